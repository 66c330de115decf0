"""Finance reference feed: monthly FX rates to US dollars as CSV."""

from sources.contract import Entity, Field

FX_RATES = Entity(
    system="finance",
    name="fx_rates",
    format="csv",
    key=("month", "currency"),
    description="US dollars per unit of a currency, per calendar month (usd is 1, may be absent).",
    fields=(
        Field("month", "year_month", required=True),
        Field("currency", "string", required=True),
        Field("usd_per_unit", "number", required=True),
    ),
)

ENTITIES = (FX_RATES,)
