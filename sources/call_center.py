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
        Field("direction", "string", required=True, allowed=("inbound", "outbound")),
        Field("caller_number", "string"),
        Field("customer_ref", "string"),
        Field("queue", "string", required=True),
        Field("agent_id", "string"),
        Field("started_at", "iso_datetime", required=True),
        Field("answered_at", "iso_datetime"),
        Field("ended_at", "iso_datetime", required=True),
        Field("wrap_seconds", "integer", minimum=0),
        Field(
            "disposition",
            "string",
            required=True,
            allowed=("resolved", "escalated", "follow_up", "abandoned", "voicemail"),
        ),
    ),
    rules=(
        (
            "{ended_at} < {started_at}",
            "'ended_at ' || {ended_at} || ' is before started_at ' || {started_at}",
        ),
        (
            "{answered_at} < {started_at} or {answered_at} > {ended_at}",
            "'answered_at ' || {answered_at} || ' is outside ' || {started_at} || ' .. ' || {ended_at}",
        ),
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
        Field("csat", "integer", minimum=1, maximum=5),
        Field("nps", "integer", minimum=0, maximum=10),
        Field("effort", "integer", minimum=1, maximum=7),
        Field("comment", "string"),
    ),
)

ENTITIES = (CALLS, SURVEYS)
