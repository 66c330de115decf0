{# MRR is a sum of doubles (amount / 100 / k x rate): lines that cancel exactly on paper (a credit
   against a charge) can leave 1e-13 of rounding noise, which must not make a customer "active" or
   a flat month an "expansion". A millionth of a dollar is far below the smallest real monthly
   amount (one minor unit / 100 / k at any rate in use) and far above the noise. #}
{% macro kpi_mrr_epsilon() -%}
    0.000001
{%- endmacro %}
