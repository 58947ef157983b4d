package coverage

// pageCSS is the inline style sheet of the HTML pages.
const pageCSS = `
:root { --fg:#1d2330; --muted:#667085; --bg:#f6f7f9; --card:#fff; --line:#e4e7ec;
  --missing:#d92d20; --stub:#f79009; --partial:#eaaa08; --full:#12b76a; --unknown:#98a2b3; }
* { box-sizing: border-box; }
body { margin:0; padding:2rem; background:var(--bg); color:var(--fg);
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; }
h1 { font-size:1.5rem; margin:0 0 .25rem; overflow-wrap:anywhere; }
h2 { font-size:1.15rem; margin:2rem 0 .5rem; }
.meta { color:var(--muted); margin:0 0 1rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:1rem 1.25rem;
  box-shadow:0 1px 2px rgba(16,24,40,.05); margin-bottom:1.5rem; overflow-x:auto; }
.stats { display:flex; flex-wrap:wrap; gap:.75rem; margin:.5rem 0 1rem; }
.stat { border:1px solid var(--line); border-radius:8px; padding:.5rem .85rem; min-width:7rem; background:#fcfcfd; }
.stat b { display:block; font-size:1.3rem; }
.stat.level-missing b { color:var(--missing); } .stat.level-stub b { color:var(--stub); }
.stat.level-partial b { color:var(--partial); } .stat.level-full b { color:var(--full); }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:.35rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
/* Long words (flag lists of sub-operations, call sites, commands) wrap
   anywhere, so the table fits a 1,400-pixel window. */
td { overflow-wrap:break-word; }
tr.subop td:first-child, td.site, td.command, .errors, ul.runs code { overflow-wrap:anywhere; }
td.num, td.handler, .badge { white-space:nowrap; }
th { position:sticky; top:0; background:#f9fafb; cursor:pointer; user-select:none; white-space:nowrap; font-weight:600; }
th:hover { background:#eef1f5; }
th.asc::after { content:" ▲"; font-size:.7em; } th.desc::after { content:" ▼"; font-size:.7em; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.syscall td:first-child { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-weight:600; }
tr.syscall { border-left:4px solid var(--unknown); }
tr.syscall.level-missing { border-left-color:var(--missing); } tr.syscall.level-stub { border-left-color:var(--stub); }
tr.syscall.level-partial { border-left-color:var(--partial); } tr.syscall.level-full { border-left-color:var(--full); }
tr.subop td { color:#344054; font-size:.93em; }
tr.subop td:first-child { padding-left:2rem; font-family:ui-monospace,SFMono-Regular,Menlo,monospace; }
.badge { display:inline-block; padding:0 .5rem; border-radius:999px; font-size:.8em; font-weight:600; color:#fff; background:var(--unknown); }
.badge.level-missing { background:var(--missing); } .badge.level-stub { background:var(--stub); }
.badge.level-partial { background:var(--partial); color:#1d2330; } .badge.level-full { background:var(--full); }
.badge.class-pass { background:var(--full); } .badge.class-fail { background:var(--stub); }
.badge.class-crash, .badge.class-error { background:var(--missing); } .badge.class-timeout { background:#7a5af8; }
.badge.verdict-required { background:var(--missing); } .badge.verdict-fakeable { background:var(--partial); color:#1d2330; }
.badge.verdict-stubbable { background:var(--full); }
.errors { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:.9em; color:var(--missing); }
.site, code { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:.9em; color:var(--muted); }
pre.diff { margin:.25rem 0 .5rem; padding:.5rem .75rem; background:#0f172a; color:#e2e8f0; border-radius:6px;
  font-size:.85em; white-space:pre-wrap; }
input.filter { padding:.4rem .6rem; border:1px solid var(--line); border-radius:6px; min-width:16rem; font:inherit; }
ul.runs { margin:.25rem 0 0; padding-left:1.25rem; color:var(--muted); }
figure.curve { margin:0 0 1rem; } figure.curve svg { max-width:100%; height:auto; }
figcaption { color:var(--muted); font-size:.9em; }
svg .axis { stroke:#98a2b3; stroke-width:1; } svg .curve-line { stroke:var(--full); stroke-width:2.5; }
svg .tick, svg .label { fill:var(--muted); font-size:12px; }
`

// pageJS sorts any table.sortable by the clicked header (numbers by value,
// text alphabetically; a second click reverses) and filters syscall rows.
// Each sortable table keeps a row group per <tbody>, so sub-operations and
// diffs move with their parent row.
const pageJS = `
(function () {
  function key(tbody, col, numeric) {
    var row = tbody.rows[0];
    var cell = row && row.cells[col];
    if (!cell) return numeric ? 0 : "";
    var v = cell.getAttribute("data-sort");
    if (v === null) v = cell.textContent.trim();
    return numeric ? (parseFloat(v) || 0) : v.toLowerCase();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, col) {
      th.addEventListener("click", function () {
        var numeric = th.getAttribute("data-type") === "num";
        var asc = !th.classList.contains("asc");
        table.querySelectorAll("thead th").forEach(function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(asc ? "asc" : "desc");
        var groups = Array.prototype.slice.call(table.tBodies);
        groups.sort(function (a, b) {
          var x = key(a, col, numeric), y = key(b, col, numeric);
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
        groups.forEach(function (g) { table.appendChild(g); });
      });
    });
  });
  document.querySelectorAll("input.filter").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    if (!table) return;
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies, function (g) {
        var name = (g.getAttribute("data-name") || "").toLowerCase();
        g.style.display = (q === "" || name.indexOf(q) >= 0) ? "" : "none";
      });
    });
  });
})();
`
