"""One definition of each business fact: the KPI catalogue (the seed kpi_catalogue) and the
health reasons (the dbt var health_reasons) agree with everything that names a KPI or a reason:
the KPI models, the quality suites, the scorecard and docs/kpis.md."""

from __future__ import annotations

import csv
import json
import re

import yaml

from orchestration.report import catalogue as report
from orchestration.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_ROOT

SEED = DBT_PROJECT_DIR / "seeds" / "kpi_catalogue.csv"
KPI_MODELS = sorted((DBT_PROJECT_DIR / "models" / "intermediate" / "kpis").glob("int_kpi_*.sql"))
HEALTH_MODEL = (
    DBT_PROJECT_DIR / "models" / "intermediate" / "health" / "int_customer_health__scored.sql"
)
HEALTH_MART_CONTRACT = DBT_PROJECT_DIR / "models" / "marts" / "health" / "_health__models.yml"
KPIS_DOC = PROJECT_ROOT / "docs" / "kpis.md"

# Every unit but these has a range in kpi_values_in_range (money may go negative after credits).
UNITS_WITHOUT_RANGE = {"money", "seconds"}


def catalogue() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def catalogued_names() -> list[str]:
    return [row["kpi"] for row in catalogue()]


def health_reasons() -> list[dict]:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"]["health_reasons"]


def suite(name: str) -> dict:
    return json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text())


def test_the_catalogue_lists_each_kpi_once_with_known_values() -> None:
    names = catalogued_names()
    assert len(names) == len(set(names)) and all(names)
    for row in catalogue():
        assert row["unit"] in {"count", "money", "seconds", "rate", "ratio", "nps", "score"}, row
        assert row["direction"] in {"up", "down", "neither"}, row
        assert row["survey"] in {"true", "false"}, row
        assert row["label"] and row["kpi_group"] and row["description"], row


def test_the_kpi_models_compute_exactly_the_catalogued_kpis() -> None:
    computed = [
        name
        for model in KPI_MODELS
        for name in re.findall(r"'kpi':\s*'(\w+)'", model.read_text(encoding="utf-8"))
    ]
    assert len(computed) == len(set(computed)), "a KPI computed twice"
    assert sorted(computed) == sorted(catalogued_names())


def test_the_scorecard_shows_the_catalogue() -> None:
    assert [k.name for k in report.KPIS] == catalogued_names()
    for row in catalogue():
        kpi = report.kpi_spec(row["kpi"])
        assert (kpi.label, kpi.group, kpi.hint) == (
            row["label"],
            row["kpi_group"],
            row["description"],
        )
        assert kpi.survey == (row["survey"] == "true")
    assert list(dict.fromkeys(row["kpi_group"] for row in catalogue())) == report.GROUPS


def test_the_metric_dictionary_defines_every_kpi() -> None:
    doc = KPIS_DOC.read_text(encoding="utf-8")
    undefined = [n for n in catalogued_names() if f"| `{n}` |" not in doc]
    assert not undefined, f"docs/kpis.md has no table row for {undefined}"


def test_the_kpi_suites_read_the_catalogue_and_name_no_kpi() -> None:
    for name in ("kpi_months_complete", "kpi_values_in_range"):
        text = json.dumps(suite(name))
        assert "row_condition" not in text, name  # deprecated by GX: the query does the split
        query = "\n".join(suite(name)["meta"]["c360"]["query"])
        assert "{{ ref('kpi_catalogue') }}" in query, name
        assert not re.search(r"\bkpi\s*(=|in\b)\s*\(?\s*'", query), f"{name} picks KPIs by name"
        expectations = json.dumps(suite(name)["expectations"])
        named = [n for n in catalogued_names() if f'"{n}"' in expectations]
        assert not named, f"{name} names KPIs itself: {named}"


def test_every_unit_with_a_range_has_its_expectation() -> None:
    values_in_range = suite("kpi_values_in_range")
    query = "\n".join(values_in_range["meta"]["c360"]["query"])
    checked = {
        e["kwargs"]["column"]
        for e in values_in_range["expectations"]
        if e["type"] == "expect_column_values_to_be_between"
    }
    for unit in {row["unit"] for row in catalogue()} - UNITS_WITHOUT_RANGE:
        assert f"when c.unit = '{unit}' then k.value end as {unit}_value" in query, unit
        assert f"{unit}_value" in checked, unit


def _reason_columns(sql: str) -> list[str]:
    """The columns of a health model's `-- reasons` block, in order."""
    block = sql.split("-- reasons\n", 1)[1].split("-- signals", 1)[0]
    return re.findall(r"(\w+),\s*$", block, flags=re.MULTILINE)


def test_health_reasons_are_the_models_flags() -> None:
    reasons = health_reasons()
    codes = [r["code"] for r in reasons]
    assert len(codes) == len(set(codes))
    flags = sorted(r["flag"] for r in reasons)
    assert sorted(_reason_columns(HEALTH_MODEL.read_text(encoding="utf-8"))) == flags
    # the mart selects its contracted columns (select_contract): every flag is one of them
    [mart] = yaml.safe_load(HEALTH_MART_CONTRACT.read_text(encoding="utf-8"))["models"]
    assert set(flags) <= {c["name"] for c in mart["columns"]}, mart["name"]
    assert 0 < sum(r["points"] for r in reasons) <= 100  # a score stays within [0, 100]


def test_the_scorecard_and_the_docs_show_the_health_reasons() -> None:
    reasons = health_reasons()
    assert [(r.code, r.points, r.label, r.explanation) for r in report.REASONS.values()] == [
        (r["code"], r["points"], r["label"], r["explanation"]) for r in reasons
    ]
    doc = KPIS_DOC.read_text(encoding="utf-8")
    for r in reasons:
        assert f"| `{r['code']}` | {r['points']} |" in doc, r["code"]
