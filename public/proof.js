/*
 * proof.js: social proof cards from a self-hosted proof server. One tag:
 *   <script src="https://proof.example.com/proof.js" async></script>
 * Options: data-* on that tag (the README's table).
 * Theme: --proof-bg, --proof-fg, --proof-border, --proof-radius, --proof-font,
 * --proof-speed. Only global: window.proof, with close() and goal(NAME).
 *
 * Written to be read: proof serves and installs it minified (cmake/widget.cmake)
 * and the size budget holds that copy. The parts, in order: pure helpers and
 * the queue (unit-tested in Node); createInbox, what becomes a card (and
 * whether this page may show any: the experiment's arm); then in the browser
 * createStream (the stream and tab sharing), createCard (the card's markup),
 * createBeacons, createMemory (the visit's state: ids not to show again, a
 * close), and start(), which wires them for the script tag.
 */
(function () {
  'use strict';

  // ms after a stream opens in which events count as history (createStream).
  var HISTORY_WINDOW = 1000;
  // A live card that waited longer than this gets its age shown too.
  var STALE_AFTER = 60000;
  var RETRY_MIN = 1000;
  var RETRY_MAX = 60000;
  // Characters of a product name on a card at most.
  var OFFER_MAX = 60;
  // Ids remembered as shown at most (the newest; see createMemory).
  var SEEN_MAX = 50;

  // The card is as tall as its text needs (at least 100px: a fixed height cut
  // long lines off). At the bottom its top edge is what is placed (10px above
  // the bottom of the screen) and it hangs up from there by its own height
  // (--pr-y, a transform): so a card taller or shorter than the one before
  // moves no box, which would be a layout shift. Hidden, it is off screen by
  // --pr-x across (desktop) or --pr-h down (phone).
  var CSS =
    '.proof{position:fixed;z-index:2147483000;top:calc(100% - 10px);right:10px;display:flex;' +
    'box-sizing:border-box;width:310px;min-height:100px;margin:0;padding:0 26px 0 10px;overflow:hidden;' +
    'background:var(--proof-bg,#452462);color:var(--proof-fg,#fff);' +
    'border:2px solid var(--proof-border,#ddd);border-radius:var(--proof-radius,20px);' +
    'font:14px/1.35 var(--proof-font,"Roboto","Segoe UI",Tahoma,Geneva,Verdana,sans-serif);' +
    'text-align:left;visibility:hidden;--pr-x:calc(100% + 20px);--pr-y:-100%;--pr-h:0px;' +
    'transform:translate(var(--pr-x),calc(var(--pr-y) + var(--pr-h)));' +
    // Slide out, then leave the tab order.
    'transition:transform var(--proof-speed,1s) ease,visibility 0s var(--proof-speed,1s)}' +
    '.proof[data-position=left]{right:auto;left:10px;--pr-x:calc(-100% - 20px)}' +
    // At the top instead while the focused element is where the card would be (place()).
    '.proof.proof-top{top:10px;--pr-y:0%}' +
    '.proof.proof-visible{visibility:visible;transform:translateY(var(--pr-y));transition:transform var(--proof-speed,1s) ease}' +
    '.proof *{box-sizing:border-box;margin:0;padding:0;font:inherit;color:inherit;text-decoration:none}' +
    '.proof-body{display:flex;align-items:center;width:100%;padding:6px 0}' +
    '.proof-img{flex:none;width:20%;max-width:62px;height:auto;max-height:76px;margin-right:10px;border:0;object-fit:contain}' +
    '.proof-text{flex:1;min-width:0;overflow-wrap:anywhere}' +
    '.proof-age{font-size:12px;opacity:.8}' +
    // The check mark is decoration: its alternative text is empty, and where
    // that syntax is unknown the whole declaration (so the mark) is dropped.
    '.proof-verified{font-size:12px;font-weight:600}.proof-verified:before{content:"\\2713\\a0"/""}' +
    'a.proof-body .proof-msg{text-decoration:underline}' +
    '.proof-close{position:absolute;top:6px;right:8px;width:22px;height:22px;border:0;border-radius:50%;' +
    'background:transparent;font-size:18px;line-height:20px;text-align:center;cursor:pointer;opacity:.8}' +
    '.proof-close:hover{opacity:1}' +
    '@media (max-width:767px){.proof,.proof[data-position=left]{width:90%;left:5%;right:5%;top:97.5%;' +
    '--pr-x:0%;--pr-h:calc(100% + 10vh)}.proof.proof-top{top:2.5%;--pr-h:calc(-100% - 10vh)}}' +
    '@media (prefers-reduced-motion:reduce){.proof,.proof.proof-visible{transition:none}}';

  /* Pure parts, unit-tested in Node. */

  // "4 minutes ago" for an age in ms. A negative age (skewed clock) is now.
  function ageLabel(ms, rtf) {
    var s = Math.floor(ms / 1000);
    var units = [[86400, 'day'], [3600, 'hour'], [60, 'minute']];
    for (var i = 0; i < units.length; i++) {
      if (s >= units[i][0]) {
        var n = Math.floor(s / units[i][0]);
        return rtf ? rtf.format(-n, units[i][1]) : n + ' ' + units[i][1] + (n > 1 ? 's' : '') + ' ago';
      }
    }
    return rtf ? rtf.format(0, 'second') : 'just now';
  }

  function field(ev, key) {
    var v = Object.prototype.hasOwnProperty.call(ev, key) ? ev[key] : '';
    return typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '';
  }

  // {key} is the event's field (or ''); a [part] vanishes unless all of its
  // {keys} are set: "{user_name}[ from {city}] just signed up". A part may
  // offer alternatives, the first whose {keys} are all set is used:
  // "just bought[ {offer_name}| from us]". Values are not scanned for
  // placeholders.
  function fill(template, ev) {
    return template.replace(/\[([^\]]*)\]|\{(\w+)\}/g, function (_, part, key) {
      if (key) return field(ev, key);
      var alternatives = part.split('|');
      for (var i = 0; i < alternatives.length; i++) {
        var complete = true;
        var text = alternatives[i].replace(/\{(\w+)\}/g, function (_, k) {
          var v = field(ev, k);
          if (!v) complete = false;
          return v;
        });
        if (complete) return text;
      }
      return '';
    });
  }

  // value resolved against base if that is http(s), else ''.
  function safeUrl(value, base) {
    if (typeof value !== 'string' || !value) return '';
    try {
      var url = new URL(value, base);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
    } catch (e) {
      return '';
    }
  }

  // "/img/a.svg" is public/img/a.svg, also when proof is under a path prefix.
  function imageUrl(path, serverBase) {
    if (typeof path !== 'string') return '';
    return safeUrl(/^\/(?!\/)/.test(path) ? path.slice(1) : path, serverBase);
  }

  // Each id at most once (ids only grow), and history only up to maxAgeMs old.
  function createFilter(maxAgeMs) {
    var last = 0;
    return {
      admit: function (ev, history, now) {
        var id = Number(ev.id);
        if (!(id > last)) return false;
        last = id;
        if (!history) return true;
        var ts = Number(ev.ts);
        return ts > 0 && now - ts <= maxAgeMs;
      },
      lastId: function () { return last; }
    };
  }

  // One card at a time: shown o.duration ms, then o.cooldown ms of nothing.
  // The rest wait in order, at most o.size of them (the newest are kept).
  // Nothing shows while !o.visible(); pump() when that changes.
  function createQueue(o) {
    var backlog = [];
    var busy = false;
    var timer = null;
    var stopped = false;
    // The item on screen, or null.
    var current = null;
    // Hovered or focused: the card on screen stays (hold()).
    var held = false;
    var size = Math.max(1, o.size);

    // The card on screen goes now; the next one comes after the cooldown.
    function end() {
      o.clear(timer);
      current = null;
      o.hide();
      timer = o.set(function () {
        timer = null;
        busy = false;
        pump();
      }, o.cooldown);
    }

    function pump() {
      if (busy || stopped || !backlog.length || !o.visible()) return;
      busy = true;
      current = backlog.shift();
      try {
        o.show(current);
      } finally {
        // The time on screen counts from when the card is up.
        if (!held) timer = o.set(end, o.duration);
      }
    }

    return {
      // A live item goes ahead of replayed ones still waiting (item.replay: the
      // replay on page load, the total); all others keep the order they came in.
      push: function (item) {
        if (stopped) return;
        var i = backlog.length;
        while (!item.replay && i && backlog[i - 1].replay) i--;
        backlog.splice(i, 0, item);
        if (backlog.length > size) backlog.splice(0, backlog.length - size);
        pump();
      },
      pump: pump,
      // While on, the card on screen stays; off, it gets its whole time again
      // (WCAG 2.2.1 and 2.2.2: whoever reads it or reaches for it is not rushed).
      hold: function (on) {
        held = on;
        if (!current) return;
        o.clear(timer);
        if (!on) timer = o.set(end, o.duration);
      },
      // Waiting items that pass test() are never shown; with onScreen, the
      // item on screen leaves too if it passes (a take-back).
      drop: function (test, onScreen) {
        backlog = backlog.filter(function (item) { return !test(item); });
        if (onScreen && current && test(current)) end();
      },
      stop: function () {
        stopped = true;
        backlog.length = 0;
        if (timer !== null) o.clear(timer);
      }
    };
  }

  // What a card from a verified source names it by: the event's "source", as
  // the server sets it for /hooks deliveries whose signature it checked (POST
  // /signup cannot set one). Standard Webhooks senders are any system, so no
  // platform name; nor for a name this widget does not know.
  var PLATFORMS = { stripe: 'Stripe', shopify: 'Shopify', woocommerce: 'WooCommerce', lemonsqueezy: 'Lemon Squeezy' };

  // The verified line of ev's card from template ({source}: the platform's
  // name, or '' so a [ · {source}] part vanishes), or '' for an event without
  // a source.
  function verifiedLine(ev, template) {
    var source = ev.source;
    if (typeof source !== 'string' || !source) return '';
    return fill(template, { source: Object.prototype.hasOwnProperty.call(PLATFORMS, source) ? PLATFORMS[source] : '' });
  }

  // Readies ev for its card. Sets ev.kind to the template its card uses:
  // "purchase" or "signup". Events from servers before kinds (and their
  // replays) have none: then an event from a verified source (ev.source) is a
  // purchase. Those servers named a missing product "one of our partners",
  // which a purchase sentence must not say: a purchase without a product name
  // is one without offer_name, so that the template's [ {offer_name}| from us]
  // says it. A long product name is cut to OFFER_MAX characters (the card
  // grows to fit its text; the rest of the sentence, the name first, is never
  // cut).
  function prepare(ev) {
    ev.kind = (ev.kind ? ev.kind == 'purchase' : ev.source) ? 'purchase' : 'signup';
    if (ev.kind == 'purchase' && ev.offer_name == 'one of our partners') ev.offer_name = '';
    var offer = Array.from(field(ev, 'offer_name'));
    if (offer.length > OFFER_MAX) ev.offer_name = offer.slice(0, OFFER_MAX - 1).join('').trim() + '\u2026';
  }

  // "7 days" for 168, "24 hours" for 24, in a valid locale.
  function periodLabel(hours, locale) {
    var days = hours > 24 && hours % 24 === 0;
    return new Intl.NumberFormat(locale || 'en', { style: 'unit', unit: days ? 'day' : 'hour', unitDisplay: 'long' })
      .format(days ? hours / 24 : hours);
  }

  // One stream per browser and key: the tab holding the lock (for life, so it
  // passes on when the tab closes or crashes) opens and relays it. Without
  // locks or channels each tab opens its own. Returns [send to others, leave].
  function share(key, locks, Channel, lead, receive) {
    var nop = function () {};
    if (!locks || !Channel) {
      lead(nop);
      return [nop, nop];
    }
    var bc = new Channel(key);
    var send = function (m) { bc.postMessage(m); };
    var release = nop;
    var left;
    bc.onmessage = function (e) { receive(e.data); };
    locks.request(key, function () {
      if (left) return;
      lead(send);
      return new Promise(function (resolve) { release = resolve; });
    });
    return [send, function () {
      left = 1;
      bc.close();
      release();
    }];
  }

  // Doubling, capped, jittered so tabs don't all return to a server at once.
  function backoff(attempt, random) {
    return Math.round(Math.min(RETRY_MAX, RETRY_MIN * Math.pow(2, attempt)) * (0.5 + random / 2));
  }

  function readOptions(data) {
    function num(value, fallback) {
      var n = parseInt(value, 10);
      return n >= 0 ? n : fallback;
    }
    return {
      duration: num(data.duration, 3500),
      cooldown: num(data.cooldown, 2000),
      backlog: num(data.backlog, 5),
      replay: num(data.replay, 3),
      maxAge: num(data.maxAge, 604800), // 7 days, in seconds
      // data-template is what data-template-signup was called before purchases had their own.
      signupTemplate: data.templateSignup || data.template || '{user_name}[ from {city}] just signed up with {offer_name}!',
      purchaseTemplate: data.templatePurchase || '{user_name}[ from {city}] just bought[ {offer_name}| from us]',
      locale: data.locale || '',
      position: data.position === 'left' ? 'left' : 'right',
      closeLabel: data.closeLabel || 'Close notifications',
      delay: num(data.delay, 0),
      maxCards: num(data.maxCards, 1 / 0),
      repeat: data.repeat === 'true',
      mobile: data.hideOnMobile !== 'true',
      channel: data.channel || '',
      presenceMin: num(data.presenceMin, 0),
      presenceTemplate: data.presenceTemplate || '{count} people are looking at this right now',
      summaryHours: num(data.summaryHours, 0),
      summaryMin: num(data.summaryMin, 1),
      // A shop counts its purchases alone (data-summary-kind="purchase"): "signed up"
      // would misname them, so each kind has its own default sentence.
      summaryKind: data.summaryKind === 'purchase' || data.summaryKind === 'signup' ? data.summaryKind : '',
      summaryTemplate: data.summaryTemplate || (data.summaryKind === 'purchase'
        ? '{count} people bought in the last {period}'
        : '{count} people signed up in the last {period}'),
      verified: data.verified !== 'off',
      verifiedTemplate: data.verifiedTemplate || 'Verified purchase[ \u00b7 {source}]',
      goal: data.goal || ''
    };
  }

  // What becomes a card, in this tab: m is a message of the shared stream
  // (createStream) as {e: type, d: data, i: id, h: history, r: replayed}.
  // The arm says whether this page may show cards (shows()): the stream's
  // first word, {"arm": "shown"|"holdout"} with an experiment on, {} without
  // one; until it comes nothing shows, and a held-out page never shows
  // anything. The first named arm of the page view is its visit (o.visit());
  // o.pump() after each arm. Erasures (take-backs) are passed to o.drop(id);
  // the live count is kept and, once per page view when it reaches
  // o.presenceMin, queued as a card; an event is queued once (o.filter, and
  // not if o.seen(id): shown or erased already), readied (prepare), with what
  // the queue orders it by (history, replay) and when it came.
  function createInbox(o) {
    var presence = 0;
    var presenceDone = false;
    // null until the stream says; then the arm's name, or '' (no experiment).
    var arm = null;
    var visited = false;
    return {
      take: function (m) {
        var ev = JSON.parse(m.d);
        if (!ev || typeof ev !== 'object') return;
        if (m.e == 'arm') {
          arm = typeof ev.arm == 'string' ? ev.arm : '';
          if (arm && !visited) o.visit(visited = true);
          o.pump();
          return;
        }
        if (m.e == 'erase') {
          o.drop(ev.id);
          return;
        }
        if (m.e == 'presence') {
          presence = ev.count;
          if (!presenceDone && presence >= o.presenceMin) {
            presenceDone = true;
            o.push({ card: 'presence' });
          }
          return;
        }
        if (!ev.id) ev.id = m.i;
        prepare(ev);
        var now = o.now();
        if (o.filter.admit(ev, m.h, now) && !o.seen(ev.id)) {
          o.push({ ev: ev, history: m.h, replay: m.r, received: now });
        }
      },
      // The live count now, which the presence card shows when its turn comes.
      presence: function () { return presence; },
      shows: function () { return arm != null && arm != 'holdout'; }
    };
  }

  /* The browser part: one factory per job, wired together by start(). */

  function guard(fn) {
    return function () {
      try {
        return fn.apply(this, arguments);
      } catch (e) {
        // The widget fails alone; the host page goes on.
      }
    };
  }

  function el(tag, className) {
    var node = document.createElement(tag);
    node.className = className;
    return node;
  }

  function findScript() {
    var current = document.currentScript;
    if (current && current.src) return current;
    var scripts = document.getElementsByTagName('script');
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/proof\.js(?:[?#]|$)/.test(scripts[i].src)) return scripts[i];
    }
    return null;
  }

  // ---- The stream, shared by the tabs of a browser ----
  //
  // One stream per browser, server, channel and live-count setting: the tab
  // holding the lock (share()) opens it and relays each message to the other
  // tabs before taking it itself; every tab hands every message, its own or
  // relayed, to o.deliver. History vs live: the server writes history first, so
  // what arrives within HISTORY_WINDOW of 'open' is history (h). Our clock is
  // only compared with itself: a skewed one cannot pass old events off as live.
  // History of a stream that started without a resume point is a replay (r),
  // which waits behind live cards; a catch-up (resumed after the last id seen:
  // a reconnect, or this tab taking the stream over) is what was missed, so it
  // keeps publish order with what follows it.
  //
  // o: base (the server's URL), channel ('channel=NAME' or ''), replay (N),
  // presence (ask for the live count), lastId() (the last id any tab saw),
  // deliver(m), hear(m) (what other tabs tell: {s: id}, a card shown there),
  // setState(state) (shared, connecting, open, closed: on the card, for tests).
  function createStream(o) {
    var es = null;
    var openedAt = 0;
    var resumed = false;
    var attempts = 0;
    var retryTimer = null;
    var closed = false;
    var relay = null;
    // The last arm and live count, for a tab that opens after they came ({}
    // asks for them).
    var state = {};
    // Whether this stream has said its arm; and the timer that says it for a
    // stream that does not.
    var armed = false;
    var armTimer = null;
    // The stream's URL; and whether a refusal was explained on the console.
    var url;
    var told = 0;

    function take(m) {
      if (m.e == 'arm' || m.e == 'presence') state[m.e] = m;
      o.deliver(m);
    }

    // With an experiment on, the server's first event on every stream is
    // `arm`. A stream whose first event is another, or that has said nothing
    // in its first HISTORY_WINDOW, has no experiment: that is said as an arm
    // without a name ({}), so that every tab learns that it may show cards.
    var onEvent = guard(function (e) {
      if (!armed && e.type != 'arm') onEvent({ type: 'arm', data: '{}' });
      armed = true;
      var h = Date.now() - openedAt < HISTORY_WINDOW;
      var m = { e: e.type, d: e.data, i: e.lastEventId, h: h, r: h && !resumed };
      relay(m);
      take(m);
    });

    // A dropped stream reconnects by itself with Last-Event-ID; a CLOSED one
    // (error status) we re-create after a backoff, resuming after the last id
    // any tab saw (relayed ones included).
    function connect() {
      retryTimer = null;
      var last = o.lastId();
      var query = [last ? 'lastEventId=' + last : o.replay ? 'replay=' + o.replay : '', o.channel,
        o.presence ? 'presence=1' : ''].filter(String).join('&');
      url = o.base + 'events' + (query && '?' + query);
      es = new EventSource(url);
      o.setState('connecting');
      ['arm', 'signup', 'erase', 'presence'].forEach(function (type) { es.addEventListener(type, onEvent); });
      es.onopen = guard(function () {
        openedAt = Date.now();
        armed = false;
        clearTimeout(armTimer);
        armTimer = setTimeout(function () {
          if (!armed) onEvent({ type: 'arm', data: '{}' });
        }, HISTORY_WINDOW);
        // Also on the browser's own reconnects, which resume by Last-Event-ID
        // once this stream has had an event.
        resumed = o.lastId() > 0;
        attempts = 0;
        o.setState('open');
      });
      es.onerror = guard(function () {
        if (closed || es.readyState !== 2) {
          o.setState('connecting');
          return;
        }
        es.close();
        o.setState('closed');
        // An error event has no status: the same request once more, by
        // fetch, says why (proof's refusals are JSON the page may read, a
        // refused origin's too), so the site's developer reads proof's own
        // sentence once per page view rather than only a CORS error.
        if (!told++) {
          fetch(url).then(function (r) {
            return r.ok ? r.body.cancel() : r.json().then(function (b) {
              if (b.error) console.warn('proof: ' + b.error);
            });
          }).catch(function () {});
        }
        retryTimer = setTimeout(guard(connect), backoff(attempts++, Math.random()));
      });
    }

    o.setState('shared');
    var shared = share(
      // proof2: tabs of widgets before the arm would never relay one, so they
      // keep their own stream.
      'proof2:' + o.base + '?' + o.channel + (o.presence ? 'p' : ''),
      navigator.locks,
      window.BroadcastChannel,
      function (send) {
        relay = send;
        connect();
      },
      guard(function (m) {
        if (m.e) take(m);
        else if (m.s) o.hear(m);
        else if (relay) for (var k in state) relay(state[k]);
      })
    );

    return {
      // To every other tab of this stream.
      tell: shared[0],
      // Asks the tab holding the stream for the arm and live count it has.
      ask: function () { shared[0]({}); },
      stop: function () {
        closed = true;
        shared[1]();
        if (es) es.close();
        clearTimeout(retryTimer);
        clearTimeout(armTimer);
      }
    };
  }

  // ---- The card: one element, reused; event text set as text only ----
  //
  // show(item, ev, onClick) fills it from ev (the event, or the numbers of a
  // live count or total) with item's template, its image, its link (onClick on
  // a click) and its age where it has one, and slides it in; hide() slides it
  // out. close() is called when the close button is pressed, or Esc while a
  // card is up; hold(on) when the card starts or stops being hovered or
  // focused. Focus that was in the card goes back where it came from when the
  // card leaves. While up, the card keeps out of the focused element's way
  // (place()).
  function createCard(opt, serverBase, rtf, nonce, close, hold) {
    var style = document.createElement('style');
    if (nonce) style.nonce = nonce;
    style.textContent = CSS;

    var card = el('div', 'proof');
    card.setAttribute('role', 'status');
    card.setAttribute('aria-live', 'polite');
    card.setAttribute('data-position', opt.position);
    var body = document.createElement('div');
    var button = el('button', 'proof-close');
    button.type = 'button';
    button.setAttribute('aria-label', opt.closeLabel);
    button.setAttribute('aria-keyshortcuts', 'Escape');
    button.textContent = '\u00d7';
    button.addEventListener('click', guard(close));
    card.appendChild(body);
    card.appendChild(button);

    // Where focus was before it came into the card.
    var back = null;
    var hovered = false;
    var focused = false;
    card.addEventListener('mouseenter', function () { hold(hovered = true); });
    card.addEventListener('mouseleave', function () { hold((hovered = false) || focused); });
    card.addEventListener('focusin', function (e) {
      if (!card.contains(e.relatedTarget)) back = e.relatedTarget;
      hold(focused = true);
    });
    card.addEventListener('focusout', function (e) {
      hold((focused = card.contains(e.relatedTarget)) || hovered);
    });

    function up() {
      return card.classList.contains('proof-visible');
    }

    function giveBack() {
      var active = document.activeElement;
      if (!card.contains(active)) return;
      if (back && back.isConnected) back.focus();
      else active.blur();
    }

    // At the bottom, unless there it would cover the focused element and at
    // the top it would not (WCAG 2.4.11; on a phone the card is as wide as the
    // screen). From the card's layout box, which its slide (a transform)
    // leaves alone: its top is the gap to the edge at the top, or the bottom
    // edge at the bottom (see CSS); the gap is the same at either edge.
    function place() {
      var focus = document.activeElement;
      var top = false;
      if (focus && focus !== document.body && !card.contains(focus)) {
        var r = focus.getBoundingClientRect();
        var box = getComputedStyle(card);
        var y = parseFloat(box.top);
        var x = parseFloat(box.left);
        var h = card.offsetHeight;
        var height = document.documentElement.clientHeight;
        var gap = card.classList.contains('proof-top') ? y : height - y;
        var covers = function (at) {
          return r.bottom > at && r.top < at + h && r.right > x && r.left < x + card.offsetWidth;
        };
        top = covers(height - gap - h) && !covers(gap);
      }
      card.classList.toggle('proof-top', top);
    }

    var onKey = guard(function (e) {
      if (e.key == 'Escape' && !e.defaultPrevented && up()) close();
    });
    // After focus has moved and scrolled into view (a smooth scroll too).
    var onMove = guard(function () {
      if (up()) setTimeout(guard(place));
    });

    function line(parent, className, text) {
      var node = el('div', className);
      node.textContent = text;
      parent.appendChild(node);
    }

    return {
      setState: function (state) {
        card.setAttribute('data-state', state);
      },
      show: function (item, ev, onClick) {
        var link = safeUrl(ev.url, location.href);
        var next = el(link ? 'a' : 'div', 'proof-body');
        if (link) {
          next.href = link;
          next.rel = 'noopener';
          next.addEventListener('click', onClick);
        }
        var src = imageUrl(ev.img_path, serverBase);
        if (src) {
          var img = el('img', 'proof-img');
          img.alt = '';
          img.onerror = function () { img.style.display = 'none'; };
          img.src = src;
          next.appendChild(img);
        }
        var text = el('div', 'proof-text');
        line(text, 'proof-msg', fill(opt[(item.card || ev.kind) + 'Template'], ev));
        var verified = item.ev && opt.verified && verifiedLine(ev, opt.verifiedTemplate);
        if (verified) line(text, 'proof-verified', verified);
        var now = Date.now();
        if (item.ev && item.history || now - item.received > STALE_AFTER) {
          line(text, 'proof-age', ageLabel(now - Number(ev.ts), rtf));
        }
        next.appendChild(text);
        card.replaceChild(next, body);
        body = next;
        place();
        card.classList.add('proof-visible');
      },
      hide: function () {
        giveBack();
        card.classList.remove('proof-visible');
      },
      mount: function () {
        (document.head || document.documentElement).appendChild(style);
        document.body.appendChild(card);
        document.addEventListener('keydown', onKey);
        document.addEventListener('focusin', onMove);
        addEventListener('scroll', onMove, true);
      },
      remove: function () {
        giveBack();
        document.removeEventListener('keydown', onKey);
        document.removeEventListener('focusin', onMove);
        removeEventListener('scroll', onMove, true);
        if (card.parentNode) card.parentNode.removeChild(card);
        if (style.parentNode) style.parentNode.removeChild(style);
      }
    };
  }

  // ---- Beacons: each card shown, each click on its link, visits, goals ----
  // text/plain through sendBeacon: no preflight, and it survives the page
  // being left right after the click. None carries anything about the visitor.
  function createBeacons(serverBase) {
    return function (body) {
      if (navigator.sendBeacon) navigator.sendBeacon(serverBase + 'beacon', JSON.stringify(body));
    };
  }

  // The visit's state, in sessionStorage (this tab, until it closes; no
  // cookie) as {"i": [ids], "c": 1}: ids shown or erased, in this tab or
  // another, are not shown again (unless data-repeat); c, the visitor closed
  // the cards. Of the ids only the `keep` newest are kept: a page view replays
  // the newest events, so an id shown before that is among them is among the
  // newest shown, as long as `keep` is at least the replay.
  function createMemory(repeat, keep) {
    var state = {};
    var save = guard(function () { sessionStorage.proof = JSON.stringify(state); });
    guard(function () { state = JSON.parse(sessionStorage.proof) || {}; })();
    // With data-repeat this page view neither reads nor writes ids.
    var ids = !repeat && Array.isArray(state.i) ? state.i : [];
    return {
      has: function (id) { return ids.indexOf(Number(id)) >= 0; },
      add: function (id) {
        if (repeat || this.has(id)) return;
        ids.push(Number(id));
        state.i = ids = ids.sort(function (a, b) { return a - b; }).slice(-keep);
        save();
      },
      closed: function () { return !!state.c; },
      close: function () {
        state.c = 1;
        save();
      }
    };
  }

  // The widget for one script tag: the parts above, wired. Returns what
  // window.proof offers: close() (destroy) and goal(NAME).
  function start(script) {
    var opt = readOptions(script.dataset || {});
    var serverBase = new URL('./', script.src).href;
    var rtf = null;
    try {
      if (opt.locale) rtf = new Intl.RelativeTimeFormat(opt.locale, { numeric: 'auto' });
    } catch (e) {
      // An unknown locale, or no Intl: English ages.
    }
    var channel = opt.channel ? 'channel=' + encodeURIComponent(opt.channel) : '';
    var filter = createFilter(opt.maxAge * 1000);
    var memory = createMemory(opt.repeat, Math.max(SEEN_MAX, opt.replay));
    var beacon = createBeacons(serverBase);
    // The close button and Esc: no more cards for the rest of the visit.
    var card = createCard(opt, serverBase, rtf, script.nonce, function () {
      memory.close();
      destroy();
    }, function (on) { queue.hold(on); });
    // Cards wait for the page (mount) and data-delay.
    var ready = false;
    var count = 0;
    // Goals reached in this page view.
    var goals = Object.create(null);

    // A card shown or clicked.
    function tally(item, kind) {
      beacon(item.card ? { card: item.card, kind: kind } : { id: Number(item.ev.id), kind: kind });
    }

    // A goal of the experiment reached (data-goal, or window.proof.goal() on a
    // page that checks out without a new page view): sent once per page view
    // and name, whether or not the stream is open yet, and whatever the arm or
    // a close: the server derives the arm, and a held-out visitor's goals are
    // half of what it compares.
    function goal(name) {
      if (!name || goals[name]) return;
      goals[name] = 1;
      beacon({ kind: 'goal', goal: String(name) });
    }

    // A card is gone for good here: shown (here or in another tab), or erased
    // (onScreen: then it leaves the screen too).
    function see(id, onScreen) {
      memory.add(id);
      queue.drop(function (item) { return item.ev && item.ev.id == id; }, onScreen);
    }

    function show(item) {
      count++;
      tally(item, 'shown');
      if (item.ev) {
        see(item.ev.id);
        stream.tell({ s: item.ev.id });
      }
      card.show(item, item.ev || { count: item.count || inbox.presence(), period: item.period },
        function () { tally(item, 'click'); });
    }

    var queue = createQueue({
      duration: opt.duration,
      cooldown: opt.cooldown,
      size: opt.backlog,
      show: guard(show),
      hide: guard(card.hide),
      visible: function () {
        return ready && inbox.shows() && !memory.closed() && count < opt.maxCards && document.visibilityState !== 'hidden' &&
          (opt.mobile || !matchMedia('(max-width:767px)').matches);
      },
      set: function (fn, ms) { return setTimeout(guard(fn), ms); },
      clear: function (id) { clearTimeout(id); }
    });
    var onVisibility = guard(queue.pump);

    var inbox = createInbox({
      filter: filter,
      seen: memory.has,
      drop: function (id) { see(id, 1); },
      push: queue.push,
      pump: queue.pump,
      // Once per page view, when the stream says an experiment is on.
      visit: function () { beacon({ kind: 'visit' }); },
      presenceMin: opt.presenceMin,
      now: Date.now
    });

    var stream = createStream({
      base: serverBase,
      channel: channel,
      replay: opt.replay,
      presence: opt.presenceMin > 0,
      lastId: filter.lastId,
      deliver: inbox.take,
      hear: function (m) { see(m.s); },
      setState: card.setState
    });

    function summary() {
      fetch(serverBase + 'summary?hours=' + opt.summaryHours + (opt.summaryKind && '&kind=' + opt.summaryKind) + (channel && '&' + channel))
        .then(function (res) { return res.json(); })
        .then(guard(function (s) {
          if (s.count >= opt.summaryMin) {
            queue.push({ card: 'summary', count: s.count, period: periodLabel(s.hours, rtf && opt.locale), replay: 1 });
          }
        }), function () {});
    }

    // Stops for this page view and removes all the widget added.
    function destroy() {
      queue.stop();
      stream.stop();
      document.removeEventListener('visibilitychange', onVisibility);
      card.remove();
    }

    function mount() {
      card.mount();
      document.addEventListener('visibilitychange', onVisibility);
      var begin = function () {
        ready = true;
        queue.pump();
      };
      if (opt.delay) setTimeout(guard(begin), opt.delay);
      else begin();
      if (opt.summaryHours) summary();
      stream.ask();
    }

    goal(opt.goal);
    if (document.body) mount();
    else document.addEventListener('DOMContentLoaded', guard(mount));
    return { close: destroy, goal: guard(goal) };
  }

  if (typeof module === 'object' && module.exports) {
    module.exports = { ageLabel, fill, safeUrl, imageUrl, createFilter, createQueue, periodLabel, share, backoff, readOptions, createInbox, verifiedLine, prepare, createMemory };
  } else if (typeof document !== 'undefined' && typeof window !== 'undefined') {
    guard(function () {
      // Pasted twice: the first runs alone. Shadow an id="proof" element,
      // not someone else's global.
      var prior = window.proof;
      if (prior && typeof prior.close === 'function') return;
      var script = findScript();
      if (!script || typeof EventSource !== 'function') return;
      var api = start(script);
      if (!prior || prior.nodeType) window.proof = api;
    })();
  }
})();
