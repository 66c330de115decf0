"""The scorecard's stylesheet, inlined into the page (no external CSS, fonts or scripts)."""

CSS = """
:root { --ink:#111827; --muted:#6b7280; --line:#e5e7eb; --bg:#f3f4f6; --card:#fff;
  --good:#15803d; --bad:#b91c1c; --neutral:#6b7280; --accent:#2563eb; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 28px 28px 40px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
.page-head { margin-bottom: 18px; }
.eyebrow { margin:0; text-transform:uppercase; letter-spacing:.08em; font-size:12px;
  color:var(--muted); font-weight:600; }
h1 { margin:4px 0 2px; font-size:30px; letter-spacing:-.01em; }
.subtitle { margin:0; color:var(--muted); }
h2 { font-size:18px; margin:0; }
h3 { margin:0; }

/* data status banner */
.status { display:flex; gap:14px; align-items:flex-start; border-radius:10px; padding:14px 18px;
  margin: 0 0 26px; border:1px solid; }
.status p { margin: 2px 0; }
.status-icon { flex:none; width:28px; height:28px; border-radius:50%; color:#fff;
  font-weight:700; display:flex; align-items:center; justify-content:center; font-size:16px;
  margin-top:1px; }
.status-title { font-size:15.5px; }
.status-extra { color:#374151; font-size:13px; }
.status-ok { background:#f0fdf4; border-color:#bbf7d0; }
.status-ok .status-icon { background:var(--good); }
.status-blocked { background:#fef2f2; border-color:#fecaca; }
.status-blocked .status-icon { background:var(--bad); }
.status-blocked .status-title { color:#991b1b; }
.status-failed { background:#fffbeb; border-color:#fde68a; }
.status-failed .status-icon { background:#d97706; }
.status-failed .status-title { color:#92400e; }
.status-never { background:#f9fafb; border-color:#d1d5db; }
.status-never .status-icon { background:#9ca3af; }
.status-last { margin-top:8px !important; }
ul.checks { margin:6px 0 4px; padding-left:18px; }
ul.checks li { margin: 2px 0; }
code.check { background:rgba(0,0,0,.06); padding:1px 5px; border-radius:4px; font-weight:600; }
.check-message { color:#374151; }

/* KPI groups and tiles */
.group { margin: 0 0 30px; }
.group-head { display:flex; align-items:baseline; gap:12px; margin: 0 0 10px;
  border-bottom:2px solid var(--line); padding-bottom:6px; }
.group-head p { margin:0; color:var(--muted); }
.tiles { display:grid; grid-template-columns: repeat(auto-fill, minmax(228px, 1fr)); gap:12px; }
.tile { background:var(--card); border:1px solid var(--line); border-radius:10px;
  padding:12px 14px 10px; display:flex; flex-direction:column; min-height:168px; }
.tile .label { font-size:13px; font-weight:600; color:#374151; }
.tile .value { font-size:28px; font-weight:700; letter-spacing:-.01em; margin:2px 0 1px;
  font-variant-numeric: tabular-nums; }
.tile.insufficient .value, .tile.null .value, .tile.missing .value { color:#9ca3af; }
.delta { font-size:13px; font-weight:600; font-variant-numeric: tabular-nums; }
.delta .vs, .delta .rel { font-weight:400; color:var(--muted); }
.delta.good { color:var(--good); }
.delta.bad { color:var(--bad); }
.delta.neutral, .delta.flat { color:var(--neutral); }
.delta.flat { font-weight:400; }
.arrow { font-size:11px; }
.sample { font-size:12px; color:#374151; margin-top:2px; }
.sample.caveat { color:#92400e; background:#fef3c7; border-radius:4px; padding:1px 6px;
  align-self:flex-start; }
.note { font-size:12px; color:var(--muted); }
.note.restated { color:#92400e; background:#fef3c7; border-radius:4px; padding:1px 6px;
  align-self:flex-start; }
.tile.restated { border-color:#f59e0b; }
.spark { margin-top:auto; padding-top:6px; }
.spark svg { width:100%; height:auto; display:block; }
.spark-axis { display:flex; justify-content:space-between; font-size:10.5px; color:#9ca3af;
  margin-top:-2px; padding: 0 2px; }
.hint { margin:4px 0 0; font-size:11.5px; line-height:1.35; color:var(--muted);
  min-height:2.7em; }

/* cards: MRR bridge, at-risk list, notes */
.card { background:var(--card); border:1px solid var(--line); border-radius:10px;
  padding:16px 18px; margin: 0 0 26px; }
.bridge { margin-top:14px; }
.bridge h3 { font-size:15px; margin-bottom:6px; }
.bridge-body { display:flex; gap:18px; align-items:flex-start; flex-wrap:wrap; }
.bridge figure { margin:0; flex: 1 1 620px; min-width: 0; }
.bridge figure svg { width:100%; height:auto; }
table.movements { border-collapse:collapse; flex: 0 0 310px; margin-top:10px;
  font-variant-numeric: tabular-nums; }
table.movements td { padding:5px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
table.movements tr.total td { font-weight:700; }
table.movements tr.increase td.num { color:var(--good); }
table.movements tr.decrease td.num { color:var(--bad); }
.num { text-align:right; white-space:nowrap; }
.muted { color:var(--muted); }
.small { font-size:12px; }
.caveat { color:#92400e; background:#fffbeb; border:1px solid #fde68a; border-radius:6px;
  padding:6px 10px; }
.section-head { display:flex; align-items:baseline; gap:14px; flex-wrap:wrap;
  margin-bottom:8px; }
.section-head .summary { margin:0; color:#374151; }
.drivers { margin: 4px 0 12px; }
.drivers-title { margin:0 0 6px; font-size:12px; color:var(--muted); text-transform:uppercase;
  letter-spacing:.05em; font-weight:600; }
#risk-drivers { list-style:none; margin:0; padding:0; display:grid;
  grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap:6px 22px; }
#risk-drivers li { display:grid; grid-template-columns: 1fr auto; align-items:center;
  gap:2px 10px; font-size:13px; }
.driver-label { font-weight:600; }
.driver-stat { color:#374151; font-variant-numeric: tabular-nums; font-size:12.5px; }
.driver-bar { grid-column: 1 / span 2; height:6px; background:#f3f4f6; border-radius:3px;
  overflow:hidden; }
.driver-bar i { display:block; height:100%; background:#f87171; border-radius:3px; }
table.at-risk { width:100%; border-collapse:collapse; font-variant-numeric: tabular-nums; }
table.at-risk th { text-align:left; font-size:12px; text-transform:uppercase;
  letter-spacing:.05em; color:var(--muted); font-weight:600;
  border-bottom:2px solid var(--line); padding:6px 8px; }
table.at-risk th.num { text-align:right; }
table.at-risk td { padding:8px; border-bottom:1px solid var(--line); vertical-align:middle; }
table.at-risk tbody tr:nth-child(even) { background:#fafafa; }
td.rank { color:#9ca3af; width:28px; }
.name { font-weight:600; display:block; }
.cid { font-size:11.5px; color:var(--muted); }
.score-badge { display:inline-block; min-width:34px; text-align:center; padding:2px 8px;
  border-radius:999px; background:#fee2e2; color:#991b1b; font-weight:700; }
ul.chips { list-style:none; display:flex; flex-wrap:wrap; gap:6px; margin:0; padding:0; }
.chip { background:#f3f4f6; border:1px solid #e5e7eb; border-radius:999px; padding:2px 10px;
  font-size:12.5px; }
.chip .pts { color:#b91c1c; font-weight:600; margin-left:2px; font-size:11.5px; }
details summary { cursor:pointer; color:var(--accent); margin:10px 0; }
.legend-title { margin:14px 0 4px; font-size:12.5px; color:#374151; }
ul.legend { margin:0; padding-left:18px; font-size:12.5px; color:#374151; columns: 2;
  column-gap: 28px; }
.notes h2 { font-size:15px; }
.notes ul { margin:6px 0 0; padding-left:18px; }
.notes li { margin:4px 0; }

footer { color:var(--muted); font-size:12.5px; border-top:1px solid var(--line);
  padding-top:14px; }
footer h2 { font-size:13px; text-transform:uppercase; letter-spacing:.06em; }
footer ul { margin:4px 0 8px; padding-left:18px; }
footer p { margin:4px 0; }
@media print {
  body { background:#fff; }
  .tile, .card { break-inside: avoid; }
}
"""
