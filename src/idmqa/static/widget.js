/*! idmqa widget: cited answers from the IOM report, embeddable with one script tag.
 * <script src="https://HOST/widget.js" data-api="https://HOST" defer></script>
 * Options (data-*): api, lang (fr|en), title, greeting, k (1-50), position
 * (bottom-right|bottom-left), accent (CSS colour), mode (widget|page), target (selector).
 * Vanilla JS, no dependencies. Everything lives in an open Shadow DOM; every string from the
 * user or the server is inserted with textContent, never as HTML; every field of an answer
 * and every option is checked before it is used. */
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector('script[src*="widget.js"]:not([data-idmqa-mounted])');
  if (!script || script.getAttribute("data-idmqa-mounted")) return;
  script.setAttribute("data-idmqa-mounted", "");
  var ds = script.dataset;

  var T = {
    fr: {
      title: "Questions sur le rapport de l’OIM", greeting: "Bonjour ! Posez une question sur le " +
        "Dialogue international sur la migration n° 28 (2018). Je réponds par des extraits cités du rapport.",
      open: "Ouvrir l’assistant", close: "Fermer", ask: "Votre question", send: "Envoyer",
      placeholder: "Posez une question…", loading: "Recherche en cours…", you: "Vous",
      none: "Aucun passage pertinent dans le rapport.", maybe: "Le rapport ne traite peut-être pas de cette question. Voici les passages les plus proches :",
      down: "Le service est injoignable. Vérifiez votre connexion puis réessayez.",
      busy: "Trop de questions en peu de temps. Réessayez dans {s} s.", busy0: "Trop de questions en peu de temps. Réessayez dans un instant.",
      starting: "Le service démarre ou est indisponible. Réessayez dans un instant.",
      bad: "Question refusée : {d}", error: "Le service a répondu par une erreur (HTTP {s}).",
      key: "Ce site n’a pas de clé valide pour le service (HTTP {s}).",
      odd: "Le service a envoyé une réponse illisible. Réessayez plus tard.",
      lines: "lignes {a}–{b}", line: "ligne {a}", speakers: "Intervenants : {n}", source: "source",
      more: "Afficher tout", less: "Réduire", results: "{n} passages", passage: "Passage {n}"
    },
    en: {
      title: "Ask the IOM report", greeting: "Hello! Ask a question about the International " +
        "Dialogue on Migration No. 28 (2018). I answer with cited passages of the (French) report.",
      open: "Open the assistant", close: "Close", ask: "Your question", send: "Send",
      placeholder: "Ask a question…", loading: "Searching…", you: "You",
      none: "No relevant passage in the report.", maybe: "The report may not address this question. Here are the closest passages:",
      down: "The service is unreachable. Check your connection and try again.",
      busy: "Too many questions at once. Try again in {s} s.", busy0: "Too many questions at once. Try again in a moment.",
      starting: "The service is starting or unavailable. Try again in a moment.",
      bad: "Question refused: {d}", error: "The service answered with an error (HTTP {s}).",
      key: "This site has no valid key for the service (HTTP {s}).",
      odd: "The service sent an answer the widget cannot read. Try again later.",
      lines: "lines {a}–{b}", line: "line {a}", speakers: "Speakers: {n}", source: "source",
      more: "Show all", less: "Show less", results: "{n} passages", passage: "Passage {n}"
    }
  };
  // The role of a person in a cited passage, when it is not "speaker" (agenda rows, captions).
  var ROLES = {
    fr: { moderator: "modération", presenter: "présentation", introduction: "introduction", pictured: "photo" },
    en: { moderator: "moderator", presenter: "presenter", introduction: "introduction", pictured: "pictured" }
  };
  var KINDS = {
    fr: { key_message: "message clé", recommendation: "recommandation", footnote: "note", caption: "légende",
      toc: "table des matières", abbreviations: "abréviations", agenda: "programme", front_matter: "préliminaires" },
    en: { key_message: "key message", recommendation: "recommendation", footnote: "footnote", caption: "caption",
      toc: "contents", abbreviations: "abbreviations", agenda: "agenda", front_matter: "front matter" }
  };

  function pickLang(v) { v = (v || "").toLowerCase().slice(0, 2); return T[v] ? v : ""; }
  var params = new URLSearchParams(location.search);
  var page = ds.mode === "page";
  var lang = pickLang(ds.lang) || (page && pickLang(params.get("lang"))) ||
    pickLang(document.documentElement.lang) || pickLang(navigator.language) || "en";
  var t = T[lang];
  function fmt(s, o) { return s.replace(/\{(\w)\}/g, function (_, k) { return o[k]; }); }
  // A server value as text: strings and finite numbers only (an object or a function could
  // throw, or print its source, when turned into a string).
  function str(v) { return typeof v === "string" ? v : typeof v === "number" && isFinite(v) ? String(v) : ""; }
  function own(o, key) { return Object.prototype.hasOwnProperty.call(o, key); }

  // The API: data-api if it is an http(s) URL, else the origin widget.js came from.
  function httpUrl(v) {
    try { var u = new URL(v, location.href); return /^https?:$/.test(u.protocol) ? u : null; } catch (e) { return null; }
  }
  var fromData = ds.api && httpUrl(ds.api), fromScript = httpUrl(script.src);
  var api = fromData ? fromData.href.replace(/\/+$/, "") : fromScript ? fromScript.origin : location.origin;
  var k = Math.min(50, Math.max(1, parseInt(ds.k, 10) || (page ? 10 : 5)));
  var left = ds.position === "bottom-left";

  // Stable element name, so generic host selectors (div, section…) never match the host.
  var host = null;
  try { host = ds.target ? document.querySelector(ds.target) : null; } catch (e) { /* not a selector */ }
  if (!host) { host = document.createElement("idmqa-widget"); document.body.appendChild(host); }
  var root = host.attachShadow({ mode: "open" });

  var STYLE =
    ":host{all:initial;display:block;--a:var(--idmqa-accent,#0033a0);--ai:#fff;--ink:var(--a)}" +
    ":host([hidden]){display:none}" +
    "*,*::before,*::after{box-sizing:border-box}" +
    ".w{font:15px/1.5 var(--idmqa-font,system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif);color:#1b1b1f;text-align:left;letter-spacing:normal;word-spacing:normal;text-transform:none;text-shadow:none}" +
    ".fx{position:fixed;z-index:var(--idmqa-z,2147483000);bottom:var(--idmqa-offset-y,20px);" + (left ? "left" : "right") + ":var(--idmqa-offset-x,20px);display:flex;flex-direction:column;align-items:flex-" + (left ? "start" : "end") + ";gap:12px}" +
    "button{font:inherit;color:inherit;margin:0;cursor:pointer}" +
    ".l{width:56px;height:56px;border-radius:50%;border:0;padding:0;background:var(--a);color:var(--ai);box-shadow:0 4px 14px rgba(0,0,0,.3);display:grid;place-items:center}" +
    ".l svg{width:28px;height:28px;fill:currentColor}" +
    "button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid var(--ink);outline-offset:2px}" +
    ".l:focus-visible{outline-color:#1b1b1f;box-shadow:0 0 0 5px #fff}" +
    ".p{display:flex;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.28);overflow:hidden;width:min(400px,calc(100vw - 24px));height:min(600px,calc(100vh - 110px))}" +
    ".p[hidden]{display:none}" +
    ".h{display:flex;align-items:center;gap:8px;padding:10px 8px 10px 16px;background:var(--a);color:var(--ai)}" +
    "h1,h2{font-size:16px;line-height:1.3;font-weight:600;margin:0;flex:1}" +
    ".x{background:transparent;border:0;width:40px;height:40px;border-radius:8px;font-size:24px;line-height:1}" +
    ".x:focus-visible{outline-color:currentColor;outline-offset:-4px}" +
    ".g{flex:1;overflow-y:auto;padding:12px;background:#f4f5f7;display:flex;flex-direction:column;gap:10px}" +
    ".b{margin:0;padding:8px 12px;border-radius:10px;background:#fff;max-width:92%;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".u{align-self:flex-end;background:#e3e8f4}" +
    ".s{color:#4a4a55;font-style:italic}" +
    ".s::before{content:'';display:inline-block;width:12px;height:12px;margin-right:8px;vertical-align:-1px;border:2px solid #999;border-top-color:transparent;border-radius:50%;animation:r 1s linear infinite}" +
    "@keyframes r{to{transform:rotate(360deg)}}@media (prefers-reduced-motion:reduce){.s::before{animation:none}}" +
    ".e{background:#fdecea;color:#7a1010;border:1px solid #f3b7b2}" +
    ".n{background:#fff8e1;color:#4d3800;border:1px solid #f0d98a}" +
    ".c{margin:0;background:#fff;border:1px solid #dcdfe5;border-left:4px solid var(--a);border-radius:8px;padding:10px 12px}" +
    ".c>p{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".c.cl>p:first-child{max-height:9em;overflow:hidden;-webkit-mask-image:linear-gradient(#000 60%,transparent)}" +
    "strong{font-weight:700;color:#000;background:#fff3b0;border-radius:2px}" +
    ".m{font-size:13px;color:#3d3d47;margin-top:8px!important;border-top:1px solid #eceef2;padding-top:6px;white-space:normal!important}" +
    "cite{font-style:italic}" +
    "a{color:var(--ink);text-decoration:underline}" +
    ".k{display:inline-block;font-size:12px;padding:0 6px;border-radius:4px;background:#eceef2;color:#2c2c35;margin-right:6px}" +
    ".t{background:none;border:0;padding:2px 0;color:var(--ink);text-decoration:underline;font-size:13px}" +
    "details{font-size:14px}summary{cursor:pointer;color:#3d3d47;margin:4px 0}details>.c{margin-top:8px}" +
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #dcdfe5;background:#fff;margin:0}" +
    "input{flex:1;min-width:0;font:inherit;color:#1b1b1f;background:#fff;border:1px solid #767680;border-radius:8px;padding:9px 12px;margin:0;height:auto}" +
    ".send{border:0;border-radius:8px;padding:0 16px;background:var(--a);color:var(--ai);font-weight:600;min-height:44px}" +
    ".send:disabled{opacity:.6;cursor:progress}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    ".pg .p{width:100%;height:auto;box-shadow:none;border:1px solid #dcdfe5;border-radius:12px}" +
    ".pg .g{overflow:visible}" +
    ".pg form{border-top:0;border-bottom:1px solid #dcdfe5}" +
    ".pg h1{font-size:18px}.pg{max-width:var(--idmqa-page-width,860px);margin:0 auto;padding:16px 12px}" +
    "@media (max-width:480px){.fx{bottom:12px;" + (left ? "left" : "right") + ":12px}.fx .p{width:calc(100vw - 24px);height:calc(100vh - 96px)}}";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    return e;
  }
  function attrs(e, o) { for (var n in o) e.setAttribute(n, o[n]); return e; }

  if (root.adoptedStyleSheets && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet(); sheet.replaceSync(STYLE); root.adoptedStyleSheets = [sheet];
  } else { root.appendChild(el("style", null, STYLE)); }

  // Accent colour: any CSS colour; text on it is black or white, whichever contrasts more.
  function rgb(c) {
    var probe = el("i"); probe.style.color = c; root.appendChild(probe);
    var m = getComputedStyle(probe).color.match(/[\d.]+/g); probe.remove();
    return m && m.slice(0, 3).map(Number);
  }
  function lum(c) {
    return c.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
      .reduce(function (s, v, i) { return s + v * [0.2126, 0.7152, 0.0722][i]; }, 0);
  }
  // Only a plain colour: a hex code, a name, or rgb()/hsl() of numbers. CSS.supports alone
  // accepts var(--x, url(…)), which would make the browser fetch that URL.
  var COLOUR = /^(#[0-9a-f]{3,8}|[a-z]{3,30}|(rgba?|hsla?)\([0-9.,%\s\/+-]{1,60}\))$/i;
  if (ds.accent && COLOUR.test(ds.accent.trim()) && window.CSS && CSS.supports && CSS.supports("color", ds.accent)) {
    host.style.setProperty("--idmqa-accent", ds.accent.trim());
  }
  function applyContrast() {
    var c = rgb(getComputedStyle(host).getPropertyValue("--idmqa-accent").trim() || "#0033a0");
    if (!c) return;
    var L = lum(c), onWhite = 1.05 / (L + 0.05), onBlack = (L + 0.05) / 0.05;
    host.style.setProperty("--ai", onWhite >= onBlack ? "#fff" : "#111");
    host.style.setProperty("--ink", onWhite >= 4.5 ? "var(--a)" : "#1b1b1f");
  }

  var wrap = el("div", "w " + (page ? "pg" : "fx"));
  attrs(wrap, { part: "root", lang: lang });
  root.appendChild(wrap);
  var uid = "idmqa-" + Math.random().toString(36).slice(2, 8);

  var launcher = null;
  var panel = attrs(el("section", "p"), { id: uid + "-p", part: "panel", "aria-labelledby": uid + "-t" });
  var head = attrs(el("div", "h"), { part: "header" });
  var title = attrs(el(page ? "h1" : "h2", null, ds.title || t.title), { id: uid + "-t" });
  head.appendChild(title);
  panel.appendChild(head);
  var log = attrs(el("div", "g"), { role: "log", "aria-live": "polite", part: "log", tabindex: "-1" });
  var form = attrs(el("form"), { part: "form", role: page ? "search" : "form", "aria-label": t.ask });
  var label = attrs(el("label", "sr", t.ask), { for: uid + "-i" });
  var input = attrs(el("input"), {
    id: uid + "-i", type: page ? "search" : "text", maxlength: "1000", autocomplete: "off",
    placeholder: t.placeholder, "data-testid": "idmqa-input", part: "input", enterkeyhint: "send"
  });
  var send = attrs(el("button", "send", t.send), { type: "submit", "data-testid": "idmqa-send", part: "send" });
  form.appendChild(label); form.appendChild(input); form.appendChild(send);
  if (page) { panel.appendChild(form); panel.appendChild(log); }
  else { panel.appendChild(log); panel.appendChild(form); }

  if (!page) {
    attrs(panel, { role: "dialog", "aria-modal": "false", hidden: "" });
    var close = attrs(el("button", "x", "×"), { type: "button", "aria-label": t.close, part: "close" });
    head.appendChild(close);
    launcher = attrs(el("button", "l"), {
      type: "button", "aria-label": t.open, "aria-expanded": "false", "aria-controls": uid + "-p",
      "data-testid": "idmqa-launcher", part: "launcher", title: ds.title || t.title
    });
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    attrs(svg, { viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" });
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h10V9H7zm0-3v2h10V6H7zm0 6v2h7v-2H7z");
    svg.appendChild(path); launcher.appendChild(svg);
    wrap.appendChild(panel); wrap.appendChild(launcher);
    launcher.addEventListener("click", function () { panel.hidden ? open() : hide(); });
    close.addEventListener("click", hide);
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.stopPropagation(); hide(); } });
  } else {
    wrap.appendChild(panel);
  }
  applyContrast();

  var greeted = false;
  function greet() {
    if (!greeted) { greeted = true; log.appendChild(el("p", "b", ds.greeting || t.greeting)); }
  }
  function open() {
    if (!page) { panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); }
    greet();
    input.focus();
  }
  function hide() {
    if (page) return;
    panel.hidden = true; launcher.setAttribute("aria-expanded", "false"); launcher.focus();
  }

  // Highlights are [start, end) spans in code points (Python indices), merged and clamped.
  function highlighted(text, spans) {
    var p = el("p");
    var cps = Array.from(text), at = 0;
    var list = (Array.isArray(spans) ? spans : []).filter(function (s) {
      return Array.isArray(s) && s.length === 2 && isFinite(s[0]) && isFinite(s[1]);
    }).map(function (s) { return [Math.max(0, s[0] | 0), Math.min(cps.length, s[1] | 0)]; })
      .filter(function (s) { return s[1] > s[0]; }).sort(function (a, b) { return a[0] - b[0]; });
    list.forEach(function (s) {
      var a = Math.max(s[0], at);
      if (s[1] <= a) return;
      if (a > at) p.appendChild(document.createTextNode(cps.slice(at, a).join("")));
      p.appendChild(el("strong", null, cps.slice(a, s[1]).join("")));
      at = s[1];
    });
    if (at < cps.length) p.appendChild(document.createTextNode(cps.slice(at).join("")));
    return p;
  }

  function lineNumber(v) { return typeof v === "number" && isFinite(v) && v >= 0 ? Math.floor(v) : null; }

  // A card per passage; a passage without an id or a text is not one (null).
  function card(ps, n) {
    if (!ps || typeof ps !== "object") return null;
    var id = str(ps.id), text = str(ps.text);
    if (!id || !text) return null;
    var c = attrs(el("article", "c"), {
      "data-testid": "idmqa-passage", "data-passage-id": id, part: "passage",
      "aria-label": fmt(t.passage, { n: n })
    });
    c.appendChild(highlighted(text, ps.highlights));
    var ci = ps.citation && typeof ps.citation === "object" ? ps.citation : {};
    var m = attrs(el("p", "m"), { "data-testid": "idmqa-citation", part: "citation" });
    var kind = str(ci.kind);
    if (kind && kind !== "paragraph") m.appendChild(el("span", "k", own(KINDS[lang], kind) ? KINDS[lang][kind] : kind));
    var bits = [];
    if (str(ci.section)) bits.push(str(ci.section));
    var ln = Array.isArray(ci.lines) ? ci.lines.map(lineNumber) : [];
    if (ln[0] != null) {
      bits.push(ln[1] != null && ln[1] !== ln[0] ? fmt(t.lines, { a: ln[0], b: ln[1] }) : fmt(t.line, { a: ln[0] }));
    }
    var names = (Array.isArray(ci.speakers) ? ci.speakers : []).map(function (s) {
      var name = s && str(s.name);
      if (!name) return "";
      var role = str(s.role);
      role = role && role !== "speaker" && Object.prototype.hasOwnProperty.call(ROLES[lang], role) ? ROLES[lang][role] : "";
      return role ? name + " (" + role + ")" : name;
    }).filter(Boolean);
    if (names.length) bits.push(fmt(t.speakers, { n: names.join(", ") }));
    m.appendChild(el("cite", null, str(ci.title) || str(ci.document)));
    m.appendChild(document.createTextNode(bits.length ? " · " + bits.join(" · ") + " · " : " · "));
    var a = el("a", null, t.source);
    a.href = api + "/passages/" + encodeURIComponent(id);
    attrs(a, { target: "_blank", rel: "noopener noreferrer" });
    m.appendChild(a);
    c.appendChild(m);
    if (text.length > 700 && !page) {
      c.classList.add("cl");
      var tg = attrs(el("button", "t", t.more), { type: "button", "aria-expanded": "false" });
      tg.addEventListener("click", function () {
        var shut = c.classList.toggle("cl");
        tg.textContent = shut ? t.more : t.less; tg.setAttribute("aria-expanded", String(!shut));
      });
      c.insertBefore(tg, m);
    }
    return c;
  }

  function message(cls, text, alert) {
    var b = el("p", "b " + cls, text);
    if (alert) b.setAttribute("role", "alert");
    return b;
  }

  var busy = false;
  function ask(q) {
    q = String(q || "").trim();
    if (!q || busy) return;
    busy = true; send.disabled = true; log.setAttribute("aria-busy", "true");
    if (page) {
      log.textContent = "";
      try { params.set("q", q); history.replaceState(null, "", "?" + params); } catch (e) { /* sandboxed */ }
    } else {
      var bubble = attrs(el("p", "b u", q), { "aria-label": t.you + " : " + q, "data-testid": "idmqa-question" });
      log.appendChild(bubble);
    }
    var status = attrs(el("p", "b s", t.loading), { role: "status", "data-testid": "idmqa-loading" });
    log.appendChild(status);
    if (!page) log.scrollTop = log.scrollHeight;
    var ctl = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { ctl && ctl.abort(); }, 30000);
    // An ask-only key for a protected server (see README): visible in the page by nature.
    var headers = { "Content-Type": "application/json" };
    // Header values go out as latin-1: send the key's UTF-8 bytes, which the server compares.
    if (ds.apiKey) headers["X-API-Key"] = unescape(encodeURIComponent(ds.apiKey));
    fetch(api + "/ask", {
      method: "POST", headers: headers, credentials: "omit",
      body: JSON.stringify({ question: q, k: k }), signal: ctl ? ctl.signal : undefined
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { r: r, body: body }; });
    }).then(function (x) {
      var r = x.r, body = x.body || {};
      var out = [];
      if (r.status === 429) {
        var s = parseInt(r.headers.get("Retry-After"), 10);
        out.push(message("e", s > 0 ? fmt(t.busy, { s: s }) : t.busy0, true));
      } else if (r.status === 503) {
        out.push(message("e", t.starting, true));
      } else if (r.status === 422 || r.status === 400) {
        out.push(message("e", fmt(t.bad, { d: str(body.detail) || r.status }), true));
      } else if (r.status === 401 || r.status === 403) {
        out.push(message("e", fmt(t.key, { s: r.status }), true));
      } else if (!r.ok) {
        out.push(message("e", fmt(t.error, { s: r.status }), true));
      } else {
        var ps = (Array.isArray(body.passages) ? body.passages : [])
          .map(function (p, i) { return card(p, i + 1); }).filter(Boolean);
        if (!ps.length) {
          out.push(attrs(message("n", t.none), { "data-testid": "idmqa-no-answer" }));
        } else {
          // Not answerable: the passages are still shown (the right one may be among them),
          // under a notice rather than folded away.
          if (body.answerable === false) out.push(attrs(message("n", t.maybe), { "data-testid": "idmqa-maybe" }));
          if (page) out.push(el("p", "sr", fmt(t.results, { n: ps.length })));
          out = out.concat(ps);
        }
      }
      return out;
    }, function () { return [message("e", t.down, true)]; }).catch(function () {
      // An answer the widget cannot read: say so, never stay "searching".
      return [message("e", t.odd, true)];
    }).then(function (out) {
      clearTimeout(timer);
      status.remove();
      out.forEach(function (n) { log.appendChild(n); });
      busy = false; send.disabled = false; log.removeAttribute("aria-busy");
      // Widget: the question at the top of the log, its answer below it.
      if (bubble) log.scrollTop += bubble.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value;
    if (!q.trim()) { input.focus(); return; }
    if (!page) input.value = "";
    ask(q);
    input.focus();
  });

  // A small programmatic API for integrators: element.idmqa.open() / .close() / .ask(q).
  host.idmqa = { open: open, close: hide, ask: function (q) { open(); ask(q); } };
  if (page) {
    document.documentElement.lang = document.documentElement.lang || lang;
    greet();
    var q0 = params.get("q");
    if (q0) { input.value = q0; ask(q0); } else input.focus();
  }
})();
