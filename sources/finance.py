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
        Field(
            "currency",
            "string",
            required=True,
            pattern="[a-z]{3}",
            pattern_label="an ISO 4217 code in lower case",
        ),
        Field("usd_per_unit", "number", required=True),
    ),
    rules=(("{usd_per_unit} <= 0", "'usd_per_unit: ' || {usd_per_unit} || ' is not positive'"),),
)

ENTITIES = (FX_RATES,)
