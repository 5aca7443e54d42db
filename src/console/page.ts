/**
 * The console's HTML page and style sheet, as strings so that every runtime and the compiled binary serve
 * them without reading files. Colours keep WCAG AA contrast (4.5:1 or more) on their backgrounds.
 * @module
 */

/** The page at /ui: every view's markup; the script fills it. */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tsetcd console</title>
<link rel="stylesheet" href="/ui/console.css">
<script type="module" src="/ui/console.js"></script>
</head>
<body>
<header>
  <h1>tsetcd</h1>
  <nav aria-label="Views">
    <button id="nav-keys">Keys</button>
    <button id="nav-watch">Watch</button>
    <button id="nav-leases">Leases</button>
    <button id="nav-members">Members</button>
    <button id="nav-admin">Admin</button>
  </nav>
  <span id="whoami"></span>
</header>
<section id="login" hidden aria-labelledby="login-title">
  <h2 id="login-title">Sign in</h2>
  <p>Authentication is on: sign in to read what your roles allow. The token stays in this page's memory.</p>
  <form id="login-form">
    <label for="login-user">User</label> <input id="login-user" autocomplete="username" required>
    <label for="login-password">Password</label> <input id="login-password" type="password" autocomplete="current-password">
    <button type="submit">Sign in</button>
  </form>
  <p id="login-status" role="status"></p>
</section>
<main>
<section id="view-keys" aria-labelledby="keys-title">
  <h2 id="keys-title">Keys</h2>
  <form id="browse-form" class="row">
    <label for="prefix">Prefix</label> <input id="prefix" placeholder="e.g. app/config/">
    <button type="submit">Browse</button>
    <button type="button" id="delete-prefix" class="danger">Delete prefix…</button>
  </form>
  <div class="columns">
    <div class="col">
      <ul id="tree" class="tree" aria-label="all keys"></ul>
      <form id="create-form">
        <h3>New key</h3>
        <label for="new-key">Key</label> <input id="new-key">
        <label for="new-value">Value</label> <textarea id="new-value" rows="3"></textarea>
        <button type="submit">Create</button>
        <p id="create-status" role="status"></p>
      </form>
    </div>
    <div class="col" id="key-pane" hidden>
      <h3 id="key-name"></h3>
      <dl class="meta">
        <dt>Create revision</dt><dd id="meta-create"></dd>
        <dt>Mod revision</dt><dd id="meta-mod"></dd>
        <dt>Version</dt><dd id="meta-version"></dd>
        <dt>Lease</dt><dd id="meta-lease"></dd>
        <dt>TTL</dt><dd id="meta-ttl"></dd>
      </dl>
      <label for="value-mode">Show as</label>
      <select id="value-mode"><option value="text">Text</option><option value="json">JSON</option><option value="hex">Hex</option></select>
      <label for="value" class="block">Value</label>
      <textarea id="value" rows="10"></textarea>
      <div class="row">
        <button id="save">Save</button>
        <button id="delete" class="danger">Delete…</button>
        <button id="history">History</button>
      </div>
      <p id="key-status" role="status"></p>
      <div id="conflict" hidden role="alert">
        <h4>Conflict: nothing was written</h4>
        <div class="columns">
          <div class="col"><h5>Your value</h5><pre id="conflict-mine"></pre></div>
          <div class="col"><h5>Value now stored</h5><pre id="conflict-theirs"></pre></div>
        </div>
      </div>
      <ol id="history-list" aria-label="history"></ol>
    </div>
  </div>
</section>
<section id="view-watch" hidden aria-labelledby="watch-title">
  <h2 id="watch-title">Watch</h2>
  <form id="watch-form" class="row">
    <label for="watch-prefix">Prefix</label> <input id="watch-prefix">
    <button type="submit">Watch</button>
    <button type="button" id="watch-stop">Stop</button>
    <label><input type="checkbox" id="watch-pause"> Pause</label>
    <label for="watch-filter">Filter</label> <input id="watch-filter">
  </form>
  <p id="watch-status" role="status"></p>
  <ol id="events" aria-label="events, newest first" aria-live="polite"></ol>
</section>
<section id="view-leases" hidden aria-labelledby="leases-title">
  <h2 id="leases-title">Leases</h2>
  <p id="leases-status" role="status"></p>
  <table><thead><tr><th>ID</th><th>TTL left</th><th>Granted TTL</th><th>Keys</th></tr></thead><tbody id="lease-rows"></tbody></table>
</section>
<section id="view-members" hidden aria-labelledby="members-title">
  <h2 id="members-title">Members</h2>
  <p id="members-status" role="status"></p>
  <table><thead><tr><th>Name</th><th>ID</th><th>Client URL</th><th>Role</th><th>Term</th><th>Raft index</th><th>Applied</th><th>DB size</th><th>Health</th><th>Action</th></tr></thead>
  <tbody id="member-rows"></tbody></table>
  <p id="member-action-status" role="status"></p>
  <h3>Alarms</h3>
  <ul id="alarms"></ul>
</section>
<section id="view-admin" hidden aria-labelledby="admin-title">
  <h2 id="admin-title">Admin</h2>
  <form id="compact-form" class="row">
    <label for="compact-revision">Compact up to revision</label> <input id="compact-revision" inputmode="numeric">
    <button type="submit" class="danger">Compact…</button>
  </form>
  <p>Defragment a member and disarm alarms from the Members view.</p>
  <p id="admin-status" role="status"></p>
</section>
</main>
<dialog id="confirm" aria-labelledby="confirm-text">
  <form id="confirm-form" method="dialog">
    <p id="confirm-text"></p>
    <button id="confirm-no" value="no">Cancel</button>
    <button id="confirm-yes" value="yes" class="danger">Confirm</button>
  </form>
</dialog>
</body>
</html>
`;

/** The style sheet at /ui/console.css. */
export const CONSOLE_CSS = `:root{color-scheme:light;--fg:#1a1a1a;--muted:#555555;--accent:#0b5cad;--danger:#a4161a;--line:#cccccc}
body{font:15px/1.45 system-ui,sans-serif;color:var(--fg);background:#fff;margin:0}
header{display:flex;gap:1rem;align-items:center;padding:.5rem 1rem;background:#0b3d6e;color:#fff}
header h1{font-size:1.1rem;margin:0}header button{background:transparent;color:#fff;border:1px solid transparent}
header button[aria-current=page]{border-color:#fff}
main,#login{padding:0 1rem 1rem}
button{font:inherit;padding:.2rem .6rem;border:1px solid var(--accent);background:#fff;color:var(--accent);border-radius:3px;cursor:pointer}
button.danger{border-color:var(--danger);color:var(--danger)}
button:focus-visible,input:focus-visible,textarea:focus-visible,select:focus-visible{outline:3px solid #f5a623;outline-offset:1px}
input,textarea,select{font:inherit;border:1px solid #767676;padding:.2rem}
textarea{width:100%;box-sizing:border-box;font-family:ui-monospace,monospace}
.row{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin:.5rem 0}
.columns{display:flex;gap:1.5rem;flex-wrap:wrap}.col{flex:1 1 22rem;min-width:0}
.tree,.tree ul{list-style:none;padding-left:1rem;margin:0}
.tree button{border:0;padding:.05rem .3rem;color:var(--fg);text-align:left}
.tree button.dir::before{content:"▸ ";color:var(--accent)}.tree button.dir[aria-expanded=true]::before{content:"▾ "}
.tree button.more{color:var(--accent);text-decoration:underline}
.meta{display:grid;grid-template-columns:max-content auto;gap:.1rem 1rem}.meta dd{margin:0;font-family:ui-monospace,monospace}
label.block{display:block;margin-top:.5rem}
.error{color:var(--danger)}.ok{color:#1b6e20}.muted{color:var(--muted)}
#conflict{border:2px solid var(--danger);padding:.5rem;margin:.5rem 0}
pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:.4rem;margin:0}
table{border-collapse:collapse}th,td{border-bottom:1px solid var(--line);padding:.25rem .6rem;text-align:left}
tr.leader td{font-weight:600}
.tag{font-size:.8rem;padding:0 .3rem;border-radius:2px;color:#fff}.tag.put{background:#1b6e20}.tag.delete{background:var(--danger)}
#events{font-family:ui-monospace,monospace;font-size:.9rem}
dialog{border:2px solid var(--fg)}
`;
