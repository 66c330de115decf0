"""Contact-center exports: telephony call-detail records and post-call surveys as CSV."""

from sources.contract import Entity, Field

CALLS = Entity(
    system="call_center",
    name="calls",
    format="csv",
    key=("call_id",),
    description="Call-detail records: one row per inbound or outbound call, times in local offset.",
    fields=(
        Field("call_id", "string", required=True),
        Field("direction", "string", required=True),
        Field("caller_number", "string"),
        Field("customer_ref", "string"),
        Field("queue", "string", required=True),
        Field("agent_id", "string"),
        Field("started_at", "iso_datetime", required=True),
        Field("answered_at", "iso_datetime"),
        Field("ended_at", "iso_datetime", required=True),
        Field("wrap_seconds", "integer"),
        Field("disposition", "string", required=True),
    ),
    phone_columns=("caller_number",),
)

SURVEYS = Entity(
    system="call_center",
    name="surveys",
    format="csv",
    key=("survey_id",),
    description="Post-call surveys: CSAT (1-5), NPS (0-10) and effort (1-7), each optional.",
    fields=(
        Field("survey_id", "string", required=True),
        Field("call_id", "string", required=True),
        Field("responded_at", "iso_datetime", required=True),
        Field("csat", "integer"),
        Field("nps", "integer"),
        Field("effort", "integer"),
        Field("comment", "string"),
    ),
)

ENTITIES = (CALLS, SURVEYS)
