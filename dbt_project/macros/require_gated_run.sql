{# The published models compile only inside the gated publish step: it passes the id of the run
   whose blocking quality gates all passed (audit.gate_results) in C360_RUN_ID. A hand-run
   `dbt run --select published` has no such run and stops here, before anything is replaced.
   Commands that only read or describe (compile, docs generate) are not held back. #}
{% macro require_gated_run() %}
  {% if execute and flags.WHICH in ['run', 'build'] %}
    {% set run_id = env_var('C360_RUN_ID', '') %}
    {% if run_id | trim == '' %}
      {{ exceptions.raise_compiler_error(
          "the published models are written only by the gated publish step "
          ~ "(c360 run, or the Dagster job c360_pipeline / audit_and_publish); "
          ~ "no gated run id was given") }}
    {% endif %}
    {% set verdict = run_query(
        "select count(*) as checks, "
        ~ "coalesce(sum(case when passed then 0 else 1 end), 0) as failed "
        ~ "from audit.gate_results where blocking and run_id = '"
        ~ (run_id | string | replace("'", "''")) ~ "'") %}
    {% set checks, failed = verdict.rows[0][0], verdict.rows[0][1] %}
    {% if checks == 0 or failed > 0 %}
      {{ exceptions.raise_compiler_error(
          "run " ~ run_id ~ " is not a gated run: " ~ checks ~ " blocking gate result(s), "
          ~ failed ~ " failed; refusing to publish") }}
    {% endif %}
  {% endif %}
{% endmacro %}
