/*! idmqa widget: cited answers from the IOM report, embeddable with one script tag.
 * <script src="https://HOST/widget.js" data-api="https://HOST" defer></script>
 * Options (data-*): api, lang (fr|en|es), title, greeting, k (1-50), position
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

  // Every string of the interface, per language (IOM's three): one table.
  var T = {
    fr: {
      title: "Questions sur le rapport de l’OIM", greeting: "Bonjour ! Posez une question sur le " +
        "Dialogue international sur la migration n° 28 (2018). Je réponds par des extraits cités du rapport.",
      open: "Ouvrir l’assistant", close: "Fermer", ask: "Votre question", send: "Envoyer",
      placeholder: "Posez une question…", loading: "Recherche en cours…", you: "Vous",
      none: "Aucun passage pertinent dans le rapport.", maybe: "Le rapport ne traite peut-être pas de cette question. Voici les passages les plus proches :",
      down: "Le service est injoignable. Vérifiez votre connexion puis réessayez.",
      cors: "Le service répond, mais le navigateur bloque ses réponses pour ce site ({o}) : très probablement un refus CORS. L’administrateur du service doit autoriser cette origine (IDMQA_CORS_ORIGINS).",
      busy: "Trop de questions en peu de temps. Réessayez dans {s} s.", busy0: "Trop de questions en peu de temps. Réessayez dans un instant.",
      starting: "Le service démarre ou est indisponible. Réessayez dans un instant.",
      bad: "Question refusée : {d}", error: "Le service a répondu par une erreur (HTTP {s}).",
      key: "Ce site n’a pas de clé valide pour le service (HTTP {s}).",
      odd: "Le service a envoyé une réponse illisible. Réessayez plus tard.",
      speakers: "Intervenants : {n}", source: "lire en contexte",
      more: "Afficher tout", less: "Réduire", results: "{n} passages", passage: "Passage {n}",
      fresh: "Nouvelle conversation", read: "Compris comme : « {q} »", starters: "Suggestions de questions",
      next: "Pour continuer", from: "D’autres propos de {n}", section: "Même section",
      others: "Qui d’autre en a parlé ?", facet: "{n} ({c})", inSection: "Dans la section « {s} » :",
      rate: "Votre avis", up: "Réponse utile", no: "Réponse peu utile", wrong: "Mauvais passage",
      thanks: "Merci pour votre avis.", unsent: "Avis non envoyé. Réessayez plus tard.",
      kinds: { key_message: "message clé", recommendation: "recommandation", footnote: "note", caption: "légende",
        toc: "table des matières", abbreviations: "abréviations", agenda: "programme", front_matter: "préliminaires" },
      roles: { moderator: "modération", presenter: "présentation", introduction: "introduction", pictured: "photo" }
    },
    en: {
      title: "Ask the IOM report", greeting: "Hello! Ask a question about the International " +
        "Dialogue on Migration No. 28 (2018). I answer with cited passages of the (French) report.",
      open: "Open the assistant", close: "Close", ask: "Your question", send: "Send",
      placeholder: "Ask a question…", loading: "Searching…", you: "You",
      none: "No relevant passage in the report.", maybe: "The report may not address this question. Here are the closest passages:",
      down: "The service is unreachable. Check your connection and try again.",
      cors: "The service is up, but the browser blocks its answers for this site ({o}): most likely a CORS refusal. The service’s administrator must allow this origin (IDMQA_CORS_ORIGINS).",
      busy: "Too many questions at once. Try again in {s} s.", busy0: "Too many questions at once. Try again in a moment.",
      starting: "The service is starting or unavailable. Try again in a moment.",
      bad: "Question refused: {d}", error: "The service answered with an error (HTTP {s}).",
      key: "This site has no valid key for the service (HTTP {s}).",
      odd: "The service sent an answer the widget cannot read. Try again later.",
      speakers: "Speakers: {n}", source: "read in context",
      more: "Show all", less: "Show less", results: "{n} passages", passage: "Passage {n}",
      fresh: "New conversation", read: "Interpreted as: “{q}”", starters: "Suggested questions",
      next: "Next steps", from: "More from {n}", section: "Same section",
      others: "Who else spoke about this?", facet: "{n} ({c})", inSection: "In the section “{s}”:",
      rate: "Your feedback", up: "Helpful answer", no: "Unhelpful answer", wrong: "Wrong passage",
      thanks: "Thanks for your feedback.", unsent: "Feedback not sent. Try again later.",
      kinds: { key_message: "key message", recommendation: "recommendation", footnote: "footnote", caption: "caption",
        toc: "contents", abbreviations: "abbreviations", agenda: "agenda", front_matter: "front matter" },
      roles: { moderator: "moderator", presenter: "presenter", introduction: "introduction", pictured: "pictured" }
    },
    es: {
      title: "Preguntas sobre el informe de la OIM", greeting: "¡Hola! Haga una pregunta sobre el " +
        "Diálogo Internacional sobre la Migración n.º 28 (2018). Respondo con pasajes citados del informe (en francés).",
      open: "Abrir el asistente", close: "Cerrar", ask: "Su pregunta", send: "Enviar",
      placeholder: "Haga una pregunta…", loading: "Buscando…", you: "Usted",
      none: "Ningún pasaje pertinente en el informe.", maybe: "Puede que el informe no trate esta pregunta. Estos son los pasajes más cercanos:",
      down: "No se puede contactar con el servicio. Compruebe su conexión e inténtelo de nuevo.",
      cors: "El servicio responde, pero el navegador bloquea sus respuestas para este sitio ({o}): muy probablemente un rechazo CORS. El administrador del servicio debe autorizar este origen (IDMQA_CORS_ORIGINS).",
      busy: "Demasiadas preguntas a la vez. Inténtelo de nuevo en {s} s.", busy0: "Demasiadas preguntas a la vez. Inténtelo de nuevo en un momento.",
      starting: "El servicio se está iniciando o no está disponible. Inténtelo de nuevo en un momento.",
      bad: "Pregunta rechazada: {d}", error: "El servicio respondió con un error (HTTP {s}).",
      key: "Este sitio no tiene una clave válida para el servicio (HTTP {s}).",
      odd: "El servicio envió una respuesta ilegible. Inténtelo más tarde.",
      speakers: "Oradores: {n}", source: "leer en contexto",
      more: "Mostrar todo", less: "Mostrar menos", results: "{n} pasajes", passage: "Pasaje {n}",
      fresh: "Nueva conversación", read: "Interpretado como: «{q}»", starters: "Preguntas sugeridas",
      next: "Para continuar", from: "Más de {n}", section: "Misma sección",
      others: "¿Quién más habló de esto?", facet: "{n} ({c})", inSection: "En la sección «{s}»:",
      rate: "Su opinión", up: "Respuesta útil", no: "Respuesta poco útil", wrong: "Pasaje incorrecto",
      thanks: "Gracias por su opinión.", unsent: "Opinión no enviada. Inténtelo más tarde.",
      kinds: { key_message: "mensaje clave", recommendation: "recomendación", footnote: "nota", caption: "leyenda",
        toc: "índice", abbreviations: "abreviaturas", agenda: "programa", front_matter: "preliminares" },
      roles: { moderator: "moderación", presenter: "presentación", introduction: "introducción", pictured: "foto" }
    }
  };
  // Turns sent back with a question (the service reads at most 10), kept over a reload.
  var MAX_TURNS = 10;
  // Excerpts longer than this (characters) are folded to a few lines until "Show all".
  var FOLD_CHARS = 320;

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
  function list(v) { return Array.isArray(v) ? v : []; }

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
    ":host([hidden]),[hidden]{display:none!important}" +
    "*,*::before,*::after{box-sizing:border-box}" +
    ".w{font:15px/1.5 var(--idmqa-font,system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif);color:#1b1b1f;text-align:left;letter-spacing:normal;word-spacing:normal;text-transform:none;text-shadow:none}" +
    ".fx{position:fixed;z-index:var(--idmqa-z,2147483000);bottom:var(--idmqa-offset-y,20px);" + (left ? "left" : "right") + ":var(--idmqa-offset-x,20px);display:flex;flex-direction:column;align-items:flex-" + (left ? "start" : "end") + ";gap:12px}" +
    "button{font:inherit;color:inherit;margin:0;cursor:pointer}button:disabled{cursor:default}" +
    ".l{width:56px;height:56px;border-radius:50%;border:0;padding:0;background:var(--a);color:var(--ai);box-shadow:0 4px 14px rgba(0,0,0,.3);display:grid;place-items:center}" +
    ".l svg{width:28px;height:28px;fill:currentColor}" +
    "button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid var(--ink);outline-offset:2px}" +
    ".l:focus-visible{outline-color:#1b1b1f;box-shadow:0 0 0 5px #fff}" +
    ".p{display:flex;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.28);overflow:hidden;width:min(400px,calc(100vw - 24px));height:min(600px,calc(100vh - 110px))}" +
    ".p[hidden]{display:none}" +
    ".h{display:flex;align-items:center;gap:4px;padding:10px 8px 10px 16px;background:var(--a);color:var(--ai)}" +
    "h1,h2{font-size:16px;line-height:1.3;font-weight:600;margin:0;flex:1}" +
    ".x{background:transparent;border:0;width:40px;height:40px;border-radius:8px;font-size:24px;line-height:1;padding:0}" +
    ".x:focus-visible{outline-color:currentColor;outline-offset:-4px}" +
    ".g{flex:1;overflow-y:auto;padding:12px;background:#f4f5f7;display:flex;flex-direction:column;gap:10px}" +
    ".b{margin:0;padding:8px 12px;border-radius:10px;background:#fff;max-width:92%;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".u{align-self:flex-end;background:#e3e8f4}" +
    ".s{color:#4a4a55;font-style:italic}" +
    ".s::before{content:'';display:inline-block;width:12px;height:12px;margin-right:8px;vertical-align:-1px;border:2px solid #999;border-top-color:transparent;border-radius:50%;animation:r 1s linear infinite}" +
    "@keyframes r{to{transform:rotate(360deg)}}@media (prefers-reduced-motion:reduce){.s::before{animation:none}}" +
    ".e{background:#fdecea;color:#7a1010;border:1px solid #f3b7b2}" +
    ".n{background:#fff8e1;color:#4d3800;border:1px solid #f0d98a}" +
    ".ia{margin:-4px 0 0;align-self:flex-end;max-width:92%;font-size:12px;color:#55555f;font-style:italic;overflow-wrap:anywhere}" +
    ".c{margin:0;background:#fff;border:1px solid #dcdfe5;border-left:4px solid var(--a);border-radius:8px;padding:10px 12px}" +
    ".c>p{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".c.cl>p:first-child{max-height:7.5em;overflow:hidden;-webkit-mask-image:linear-gradient(#000 60%,transparent)}" +
    "strong{font-weight:700;color:#000;background:#fff3b0;border-radius:2px}" +
    ".m{font-size:13px;line-height:1.4;color:#3d3d47;margin-top:6px!important;border-top:1px solid #eceef2;padding-top:6px;white-space:normal!important;overflow-wrap:anywhere}" +
    "cite{font-style:italic;display:inline-block;max-width:100%;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;vertical-align:bottom}" +
    "a{color:var(--ink);text-decoration:underline}" +
    ".k{display:inline-block;font-size:12px;padding:0 6px;border-radius:4px;background:#eceef2;color:#2c2c35;margin-right:6px}" +
    ".t{background:none;border:0;padding:2px 0;color:var(--ink);text-decoration:underline;font-size:13px}" +
    ".m .t{margin-left:10px;color:#55555f}.nt{margin-left:6px;font-size:12px}" +
    ".nx{display:flex;flex-direction:column;gap:8px}.lbl{margin:0;font-size:13px;color:#4a4a55}" +
    ".chs{display:flex;flex-wrap:wrap;gap:6px;margin:0;padding:0;border:0}" +
    ".ch{border:1px solid var(--ink);background:#fff;color:var(--ink);border-radius:16px;padding:3px 12px;font-size:13px;min-height:32px;text-align:left;max-width:100%;overflow-wrap:anywhere}" +
    ".ch[aria-expanded=true]{background:#e3e8f4}.ch:disabled{opacity:.6}" +
    ".fb{display:flex;flex-wrap:wrap;align-items:center;gap:6px;font-size:13px;color:#4a4a55}" +
    ".fb button{background:#fff;border:1px solid #c9ccd3;border-radius:8px;min-width:40px;min-height:32px;padding:0 8px}" +
    ".fb button[aria-pressed=true]{border-color:var(--ink);background:#e3e8f4}[aria-disabled=true]{cursor:default}[aria-disabled=true][aria-pressed=false]{opacity:.55}" +
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #dcdfe5;background:#fff;margin:0}" +
    "input{flex:1;min-width:0;font:inherit;color:#1b1b1f;background:#fff;border:1px solid #767680;border-radius:8px;padding:9px 12px;margin:0;height:auto}" +
    ".send{border:0;border-radius:8px;padding:0 16px;background:var(--a);color:var(--ai);font-weight:600;min-height:44px}" +
    ".send:disabled{opacity:.6;cursor:progress}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    ".pg .p{width:100%;height:auto;box-shadow:none;border:1px solid #dcdfe5;border-radius:12px}" +
    ".pg .g{overflow:visible}" +
    ".pg form{border-top:0;border-bottom:1px solid #dcdfe5}" +
    ".pg h1{font-size:18px}.pg{max-width:var(--idmqa-page-width,860px);margin:0 auto;padding:16px 12px}" +
    "@media (max-width:480px){.fx{bottom:12px;" + (left ? "left" : "right") + ":12px}.fx .p{width:calc(100vw - 24px);height:calc(100vh - 96px)}" +
    ".pg{padding:0}.pg .p{border-radius:0;border-width:0 0 1px}.g{padding:8px;gap:8px}.c{padding:8px 10px}.c.cl>p:first-child{max-height:6em}}";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    return e;
  }
  function attrs(e, o) { for (var n in o) e.setAttribute(n, o[n]); return e; }
  function button(cls, text, o) { return attrs(el("button", cls, text), Object.assign({ type: "button" }, o || {})); }

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
    var fresh = button("x", "↺", { "aria-label": t.fresh, title: t.fresh, "data-testid": "idmqa-new", part: "new" });
    var close = button("x", "×", { "aria-label": t.close, part: "close" });
    head.appendChild(fresh); head.appendChild(close);
    launcher = button("l", null, {
      "aria-label": t.open, "aria-expanded": "false", "aria-controls": uid + "-p",
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
    fresh.addEventListener("click", restart);
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.stopPropagation(); hide(); } });
  } else {
    wrap.appendChild(panel);
  }
  applyContrast();

  // The conversation: the turns asked and answered, kept for this tab in sessionStorage (per
  // API, so two widgets of two services never mix) until "new conversation". The search page
  // has none: each search stands alone, its question is in the address.
  var KEY = "idmqa:" + api, turns = [], wasOpen = false;
  function store() {
    if (page) return;
    try { sessionStorage.setItem(KEY, JSON.stringify({ open: wasOpen, turns: turns })); } catch (e) { /* full or disabled */ }
  }
  function restore() {
    if (page) return;
    try {
      var s = JSON.parse(sessionStorage.getItem(KEY) || "{}");
      turns = list(s.turns).filter(function (x) { return x && str(x.q) && x.b && typeof x.b === "object"; }).slice(-MAX_TURNS);
      wasOpen = s.open === true;
    } catch (e) { turns = []; }
  }

  var greeted = false;
  function greet() {
    if (greeted) return;
    greeted = true;
    log.appendChild(el("p", "b", ds.greeting || t.greeting));
    if (!turns.length) showStarters();
  }
  function open(focus) {
    if (!page) { panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); wasOpen = true; store(); }
    greet();
    if (focus !== false) input.focus();
  }
  function hide() {
    if (page) return;
    panel.hidden = true; launcher.setAttribute("aria-expanded", "false"); launcher.focus();
    wasOpen = false; store();
  }
  function restart() {
    if (busy) return;
    turns = []; asked = false; store();
    log.textContent = ""; greeted = false; greet();
    input.value = ""; input.focus();
  }

  // --- the service -----------------------------------------------------------------------
  function call(path, method, payload) {
    var ctl = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { ctl && ctl.abort(); }, 30000);
    // An ask-only key for a protected server (see README): visible in the page by nature.
    var headers = { Accept: "application/json" };
    if (payload) headers["Content-Type"] = "application/json";
    // Header values go out as latin-1: send the key's UTF-8 bytes, which the server compares.
    if (ds.apiKey) headers["X-API-Key"] = unescape(encodeURIComponent(ds.apiKey));
    return fetch(api + path, {
      method: method, headers: headers, credentials: "omit",
      body: payload ? JSON.stringify(payload) : undefined, signal: ctl ? ctl.signal : undefined
    }).then(function (r) {
      clearTimeout(timer);
      return r.json().catch(function () { return {}; }).then(function (body) {
        return { r: r, body: body && typeof body === "object" ? body : {} };
      });
    }, function (e) { clearTimeout(timer); throw e; });
  }
  // A failed fetch says nothing of why. Cross-origin, a request the page may not read
  // (`no-cors`) still tells whether the service answers: if it does, the browser refused the
  // readable one, most likely because this origin is not among the service's CORS origins.
  // A request given up after 30 s (AbortError) was not refused: the service is slow or down.
  function unreachable(e) {
    var down = message("e", t.down, true);
    if (httpUrl(api).origin === location.origin || (e && e.name === "AbortError")) return Promise.resolve(down);
    return fetch(api + "/health", { mode: "no-cors", credentials: "omit", cache: "no-store" }).then(function () {
      return attrs(message("e", fmt(t.cors, { o: location.origin }), true), { "data-testid": "idmqa-cors" });
    }, function () { return down; });
  }
  // The message for an error status, or null for a success.
  function problem(r, body) {
    if (r.status === 429) {
      var s = parseInt(r.headers.get("Retry-After"), 10);
      return message("e", s > 0 ? fmt(t.busy, { s: s }) : t.busy0, true);
    }
    if (r.status === 503) return message("e", t.starting, true);
    if (r.status === 422 || r.status === 400) return message("e", fmt(t.bad, { d: str(body.detail) || r.status }), true);
    if (r.status === 401 || r.status === 403) return message("e", fmt(t.key, { s: r.status }), true);
    return r.ok ? null : message("e", fmt(t.error, { s: r.status }), true);
  }
  // A service without conversations refuses the unknown field: ask again without it.
  function refusesHistory(x) {
    return x.r.status === 422 && list(x.body.errors).some(function (e) { return e && list(e.loc).indexOf("history") >= 0; });
  }
  function askService(payload) {
    return call("/ask", "POST", payload).then(function (x) {
      if (payload.history && refusesHistory(x)) { delete payload.history; return askService(payload); }
      return x;
    });
  }

  var starters = null;
  function showStarters() {
    starters = starters || call("/starters?lang=" + lang, "GET").then(function (x) {
      return x.r.ok ? list(x.body.starters).map(str).filter(function (s) { return s && s.length <= 300; }).slice(0, 6) : [];
    }, function () { return []; });
    starters.then(function (qs) {
      if (!qs.length || asked || root.querySelector("[data-testid=idmqa-starters]")) return;
      var box = chips(t.starters, "idmqa-starters");
      qs.forEach(function (q) { box.appendChild(chip(q, function () { ask(q); })); });
      log.appendChild(box);
    });
  }
  function chips(name, testid) { return attrs(el("div", "chs"), { role: "group", "aria-label": name, "data-testid": testid }); }
  function chip(text, act, o) {
    var b = button("ch", text, o);
    b.addEventListener("click", act);
    return b;
  }

  // Highlights are [start, end) spans in code points (Python indices), merged and clamped.
  function highlighted(text, spans) {
    var p = el("p");
    var cps = Array.from(text), at = 0;
    var marks = list(spans).filter(function (s) {
      return Array.isArray(s) && s.length === 2 && isFinite(s[0]) && isFinite(s[1]);
    }).map(function (s) { return [Math.max(0, s[0] | 0), Math.min(cps.length, s[1] | 0)]; })
      .filter(function (s) { return s[1] > s[0]; }).sort(function (a, b) { return a[0] - b[0]; });
    marks.forEach(function (s) {
      var a = Math.max(s[0], at);
      if (s[1] <= a) return;
      if (a > at) p.appendChild(document.createTextNode(cps.slice(at, a).join("")));
      p.appendChild(el("strong", null, cps.slice(a, s[1]).join("")));
      at = s[1];
    });
    if (at < cps.length) p.appendChild(document.createTextNode(cps.slice(at).join("")));
    return p;
  }

  // The last heading of a section path ("A › B › C"); one in capitals reads as a sentence.
  function lastSection(path) {
    var s = path.split(/\s+[›>]\s+/).pop();
    return /\p{Ll}/u.test(s) ? s : s.charAt(0) + s.slice(1).toLowerCase();
  }
  function speakerNames(ci) {
    return list(ci.speakers).map(function (s) {
      var name = s && str(s.name);
      if (!name) return "";
      var role = str(s.role);
      role = role && role !== "speaker" && own(t.roles, role) ? t.roles[role] : "";
      return role ? name + " (" + role + ")" : name;
    }).filter(Boolean);
  }
  // A short citation: the document's short title, the last section, the speakers; the full
  // one is on the passage page the link opens.
  function citation(id, ci, turn) {
    var m = attrs(el("p", "m"), { "data-testid": "idmqa-citation", part: "citation" });
    var kind = str(ci.kind);
    if (kind && kind !== "paragraph") m.appendChild(el("span", "k", own(t.kinds, kind) ? t.kinds[kind] : kind));
    m.appendChild(attrs(el("cite", null, str(ci.short_title) || str(ci.title) || str(ci.document)), { title: str(ci.title) }));
    var sec = str(ci.section), names = speakerNames(ci);
    if (sec) { m.appendChild(document.createTextNode(" · ")); m.appendChild(attrs(el("span", null, lastSection(sec)), { title: sec })); }
    if (names.length) m.appendChild(document.createTextNode(" · " + fmt(t.speakers, { n: names.join(", ") })));
    m.appendChild(document.createTextNode(" · "));
    var a = el("a", null, t.source);
    a.href = api + "/passages/" + encodeURIComponent(id);
    attrs(a, { target: "_blank", rel: "noopener noreferrer" });
    m.appendChild(a);
    if (turn) {
      var wrong = button("t", t.wrong, { "aria-pressed": "false", "data-testid": "idmqa-wrong" });
      var note = attrs(el("span", "nt"), { role: "status" });
      wrong.addEventListener("click", function () { vote(turn.q, id, "down", [wrong], wrong, note, "wrong passage"); });
      m.appendChild(wrong); m.appendChild(note);
    }
    return m;
  }

  // A card per passage; a passage without an id or a text is not one (null).
  function card(ps, n, turn) {
    if (!ps || typeof ps !== "object") return null;
    var id = str(ps.id), text = str(ps.text);
    if (!id || !text) return null;
    var c = attrs(el("article", "c"), {
      "data-testid": "idmqa-passage", "data-passage-id": id, part: "passage",
      "aria-label": fmt(t.passage, { n: n })
    });
    c.appendChild(highlighted(text, ps.highlights));
    var m = citation(id, ps.citation && typeof ps.citation === "object" ? ps.citation : {}, turn);
    c.appendChild(m);
    if (text.length > FOLD_CHARS) {
      c.classList.add("cl");
      var tg = button("t", t.more, { "aria-expanded": "false", "data-testid": "idmqa-unfold" });
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
  function said(text) {
    return attrs(el("p", "b u", text), { "aria-label": t.you + " : " + text, "data-testid": "idmqa-question" });
  }
  function simple(s) { return s.toLowerCase().replace(/[\s?¿!.]+/g, " ").trim(); }

  // An answer as nodes: how the question was read, the passages, next steps and a vote.
  function answer(turn) {
    var b = turn.b, out = [], read = str(b.interpreted_as);
    if (read && simple(read) !== simple(turn.q)) {
      out.push(attrs(el("p", "ia", fmt(t.read, { q: read })), { "data-testid": "idmqa-interpreted" }));
    }
    var ps = list(b.passages).map(function (p, i) { return card(p, i + 1, turn); }).filter(Boolean);
    if (!ps.length) return out.concat([attrs(message("n", t.none), { "data-testid": "idmqa-no-answer" })]);
    // Not answerable: the passages are still shown (the right one may be among them),
    // under a notice rather than folded away.
    if (b.answerable === false) out.push(attrs(message("n", t.maybe), { "data-testid": "idmqa-maybe" }));
    if (page) out.push(el("p", "sr", fmt(t.results, { n: ps.length })));
    return out.concat(ps, [nextSteps(turn), rating(turn)]);
  }
  // Only what the widget shows is kept for a reload.
  function keep(body) {
    return { passages: list(body.passages).slice(0, 50), answerable: body.answerable, interpreted_as: body.interpreted_as, facets: body.facets };
  }

  // Chips after an answer: more from its speakers, the rest of its section, who else spoke.
  function nextSteps(turn) {
    var nx = el("div", "nx"), box = nx.appendChild(chips(t.next, "idmqa-next")), ps = list(turn.b.passages);
    var seen = {}, now = turn.f && turn.f.speaker;
    seen[str(now)] = true;
    ps.forEach(function (p) {
      list(p && p.citation && p.citation.speakers).forEach(function (s) {
        var id = s && str(s.id), name = s && str(s.name), role = s && str(s.role);
        if (!id || !name || seen[id] || (role && role !== "speaker") || box.children.length >= 2) return;
        seen[id] = true;
        box.appendChild(chip(fmt(t.from, { n: name }), function () { moreFrom(turn, id, name); }, { "data-testid": "idmqa-more-from" }));
      });
    });
    var first = ps[0], sec = first && first.citation && str(first.citation.section);
    if (sec && str(first.id)) {
      var same = chip(t.section, function () { sameSection(first, sec, same, nx); }, { "data-testid": "idmqa-same-section" });
      box.appendChild(same);
    }
    var facet = list(turn.b.facets && turn.b.facets.speakers).filter(function (s) { return s && str(s.id) && str(s.name); });
    if (facet.length) box.appendChild(facetChip(turn, facet, nx));
    return nx;
  }
  function moreFrom(turn, id, name) {
    ask(str(turn.b.interpreted_as) || turn.q, { label: fmt(t.from, { n: name }), filters: Object.assign({}, turn.f, { speaker: id }) });
  }
  function facetChip(turn, facet, nx) {
    var fid = uid + "-f" + Math.random().toString(36).slice(2, 8);
    var who = chips(t.others, "idmqa-facet");
    attrs(who, { id: fid, hidden: "" });
    facet.slice(0, 12).forEach(function (s) {
      var name = str(s.name), c = str(s.count);
      who.appendChild(chip(c ? fmt(t.facet, { n: name, c: c }) : name, function () { moreFrom(turn, str(s.id), name); }));
    });
    nx.appendChild(who);
    var b = chip(t.others, function () {
      who.hidden = !who.hidden; b.setAttribute("aria-expanded", String(!who.hidden));
      if (!who.hidden) who.firstChild.focus();
    }, { "aria-expanded": "false", "aria-controls": fid, "data-testid": "idmqa-who-else" });
    return b;
  }
  function sameSection(first, sec, b, nx) {
    b.disabled = true;
    call("/passages/" + encodeURIComponent(str(first.id)) + "?around=3", "GET").then(function (x) {
      var bad = problem(x.r, x.body);
      if (bad) return [bad];
      var near = list(x.body.before).concat([x.body], list(x.body.after)).filter(function (p) {
        return p && p.citation && str(p.citation.section) === sec;
      });
      return [el("p", "lbl", fmt(t.inSection, { s: lastSection(sec) }))].concat(near.map(function (p, i) { return card(p, i + 1, null); }).filter(Boolean));
    }, function () { return unreachable().then(function (n) { return [n]; }); }).then(function (nodes) {
      var box = attrs(el("div", "nx"), { "data-testid": "idmqa-section" });
      nodes.forEach(function (n) { box.appendChild(n); });
      nx.appendChild(box);
    });
  }

  // Feedback is sent on a click only, once per button group.
  function rating(turn) {
    var row = attrs(el("div", "fb"), { role: "group", "aria-label": t.rate, "data-testid": "idmqa-feedback" });
    var note = attrs(el("span"), { role: "status" });
    var up = button(null, "👍", { "aria-label": t.up, title: t.up, "aria-pressed": "false", "data-testid": "idmqa-vote-up" });
    var no = button(null, "👎", { "aria-label": t.no, title: t.no, "aria-pressed": "false", "data-testid": "idmqa-vote-down" });
    [up, no].forEach(function (b) {
      b.addEventListener("click", function () { vote(turn.q, null, b === up ? "up" : "down", [up, no], b, note); });
      row.appendChild(b);
    });
    row.appendChild(note);
    return row;
  }
  function vote(question, id, v, group, pressed, note, why) {
    if (group[0].getAttribute("aria-disabled")) return;
    group.forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
    call("/feedback", "POST", { question: question, passage_id: id, vote: v, comment: why }).then(function (x) { return x.r.ok; }, function () { return false; })
      .then(function (ok) {
        note.textContent = ok ? t.thanks : t.unsent;
        if (ok) pressed.setAttribute("aria-pressed", "true");
        else group.forEach(function (b) { b.removeAttribute("aria-disabled"); });
      });
  }

  var busy = false, asked = false;
  // Ask a question (o.label: what the log shows instead; o.filters: restrictions), with the
  // conversation so far.
  function ask(q, o) {
    o = o || {};
    q = String(q || "").trim();
    if (!q || busy) return;
    busy = asked = true; send.disabled = true; log.setAttribute("aria-busy", "true");
    var offer = root.querySelector("[data-testid=idmqa-starters]");
    if (offer) offer.remove();
    var bubble = null;
    if (page) {
      log.textContent = "";
      try { params.set("q", q); history.replaceState(null, "", "?" + params); } catch (e) { /* sandboxed */ }
    } else {
      bubble = log.appendChild(said(o.label || q));
    }
    var status = log.appendChild(attrs(el("p", "b s", t.loading), { role: "status", "data-testid": "idmqa-loading" }));
    if (!page) log.scrollTop = log.scrollHeight;
    var payload = { question: q, k: k };
    if (o.filters) payload.filters = o.filters;
    if (turns.length) {
      payload.history = turns.map(function (x) {
        return { question: x.q, passage_ids: list(x.b.passages).map(function (p) { return str(p && p.id); }).filter(Boolean).slice(0, 10) };
      });
    }
    askService(payload).then(function (x) {
      var bad = problem(x.r, x.body);
      if (bad) return [bad];
      var turn = { l: o.label || q, q: q, f: o.filters || null, b: keep(x.body) };
      if (!page) { turns = turns.concat([turn]).slice(-MAX_TURNS); store(); }
      return answer(turn);
    }, function (e) { return unreachable(e).then(function (n) { return [n]; }); }).catch(function () {
      // An answer the widget cannot read: say so, never stay "searching".
      return [message("e", t.odd, true)];
    }).then(function (out) {
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

  // A small programmatic API for integrators: element.idmqa.open() / .close() / .ask(q) / .reset().
  host.idmqa = { open: open, close: hide, ask: function (q) { open(); ask(q); }, reset: restart };
  if (page) {
    document.documentElement.lang = document.documentElement.lang || lang;
    greet();
    var q0 = params.get("q");
    if (q0) { input.value = q0; ask(q0); } else input.focus();
  } else {
    restore();
    if (turns.length) {
      greet();
      turns.forEach(function (x) { log.appendChild(said(x.l)); answer(x).forEach(function (n) { log.appendChild(n); }); });
    }
    if (wasOpen) open(false);
  }
})();
