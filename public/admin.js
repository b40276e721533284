// The operator page: the numbers of /stats, a chart of them, whether the cards help (the
// holdout experiment of /stats, in words from admin-experiment.js), the live count of open pages,
// the recent events with an Erase button, the verified sources and what they delivered
// (/hooks/recent), the pages' origins proof refused (also /hooks/recent), and a test
// signup form.
//
// The API key is typed once and kept in sessionStorage (this tab only, gone when it
// closes); it leaves the page only as an Authorization header. Event text is shown with
// textContent alone, and the chart is built node by node with createElementNS, so nothing a
// publisher sends is ever parsed as markup.
(function () {
  'use strict';

  var KEY_STORE = 'proof-admin-key';
  var DAYS = 30; // the chart's span
  var REPLAY = 20; // recent events asked of the stream
  var KEPT = 50; // events listed at most: older ones fall off the end
  var REFRESH_MS = 60000; // /stats again this often
  // /hooks/recent again this often while the page is seen: someone setting a source up
  // sends a test delivery from the platform and looks here for it.
  var SOURCES_MS = 10000;
  // The platforms by the name of their route, as the widget names them on a card.
  var PLATFORMS = {
    stripe: 'Stripe', shopify: 'Shopify', woocommerce: 'WooCommerce',
    lemonsqueezy: 'Lemon Squeezy', standard: 'Standard Webhooks',
  };
  // GET /hooks/recent's outcomes, in the columns' order, and the words for them. A
  // source's card is a purchase, and is said so, as /stats and the tiles count it.
  var OUTCOMES = [
    ['published', 'purchase card'], ['duplicate', 'duplicate'], ['ignored', 'ignored'],
    ['erased', 'erased'], ['bad_signature', 'bad signature'], ['too_large', 'too large'],
    ['malformed', 'malformed'], ['unavailable', 'unavailable'],
  ];
  // Outcomes where the platform was refused: a wrong secret, a proxy that changed the
  // body, a store that could not keep the delivery.
  var REFUSED = { bad_signature: 1, too_large: 1, malformed: 1, unavailable: 1 };
  var SVG = 'http://www.w3.org/2000/svg';
  var SERIES = [
    { key: 'published', label: 'Published' },
    { key: 'shown', label: 'Shown' },
    { key: 'clicks', label: 'Clicks' },
  ];
  var numberFormat = new Intl.NumberFormat('en');

  var $ = function (id) { return document.getElementById(id); };
  var login = $('login');
  var keyForm = $('key-form');
  var keyInput = $('key');
  var loginMessage = $('login-message');
  var dashboard = $('dashboard');
  var forgetButton = $('forget');
  var statusLine = $('status');
  var updated = $('updated');
  var presence = $('presence');
  var presenceNote = $('presence-note');
  var chart = $('chart');
  var daysBody = document.querySelector('#days tbody');
  var eventList = $('events');
  var eventsEmpty = $('events-empty');
  var signupForm = $('signup');
  var signupAnswer = $('signup-answer');
  var sourcesStatus = $('sources-status');
  var sourcesTest = $('sources-test');
  var sourcesEmpty = $('sources-empty');
  var sourcesPanel = $('sources-panel');
  var sourcesBody = document.querySelector('#sources tbody');
  var deliveriesBody = document.querySelector('#deliveries tbody');
  var deliveriesEmpty = $('deliveries-empty');
  var originsEmpty = $('origins-empty');
  var originsPanel = $('origins-panel');
  var originsBody = document.querySelector('#origins tbody');
  var experimentPanel = $('experiment');
  var confirmDialog = $('confirm');
  var confirmText = $('confirm-text');

  // Everything that lives while the dashboard is open, dropped again by signOut().
  var session = null;

  function storedKey() {
    try {
      return sessionStorage.getItem(KEY_STORE) || '';
    } catch (err) {
      return ''; // storage switched off: the key lives in memory for this page view
    }
  }

  function storeKey(key) {
    try {
      if (key) sessionStorage.setItem(KEY_STORE, key);
      else sessionStorage.removeItem(KEY_STORE);
    } catch (err) {
      /* storage switched off */
    }
  }

  // fetch() with the key as a header; resolves to {status, body} where body is the parsed
  // JSON answer (or null), rejects only when proof could not be reached at all.
  function api(method, path, key, json) {
    var headers = { Authorization: 'Bearer ' + key };
    var init = { method: method, headers: headers, cache: 'no-store', credentials: 'omit' };
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(json);
    }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (text) {
        var body = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch (err) {
          body = null;
        }
        return { status: res.status, statusText: res.statusText, body: body };
      });
    });
  }

  function errorText(answer) {
    var why = answer.body && typeof answer.body.error === 'string' ? answer.body.error : answer.statusText;
    return 'proof answered ' + answer.status + (why ? ': ' + why : '');
  }

  var WRONG_KEY =
    'proof refused this key (401). Type the key proof was started with: --api-key, ' +
    'api-key in its config file, or PROOF_API_KEY.';

  // ---- signing in and out ------------------------------------------------------------

  function showLogin(message) {
    dashboard.hidden = true;
    forgetButton.hidden = true;
    login.hidden = false;
    loginMessage.textContent = message || '';
    keyInput.value = '';
    keyInput.focus();
  }

  function signOut(message) {
    if (session) {
      if (session.stream) session.stream.close();
      clearInterval(session.refresh);
      clearInterval(session.clock);
      clearInterval(session.sourcesTimer);
      clearTimeout(session.sourcesSoon);
      session = null;
    }
    storeKey('');
    // Nothing of the last key's view stays on the page.
    eventList.replaceChildren();
    eventsEmpty.hidden = false;
    chart.replaceChildren();
    daysBody.replaceChildren();
    experimentPanel.replaceChildren();
    sourcesBody.replaceChildren();
    deliveriesBody.replaceChildren();
    sourcesPanel.hidden = true;
    sourcesEmpty.hidden = true;
    sourcesTest.hidden = true;
    sourcesStatus.textContent = '';
    originsBody.replaceChildren();
    originsPanel.hidden = true;
    originsEmpty.hidden = true;
    signupAnswer.textContent = '';
    statusLine.textContent = '';
    updated.textContent = '';
    showLogin(message);
  }

  // Checks the key against /stats; on success the dashboard opens with those numbers.
  function signIn(key) {
    loginMessage.textContent = 'Checking the key…';
    api('GET', '/stats?days=' + DAYS, key)
      .then(function (answer) {
        if (answer.status === 401) {
          signOut(WRONG_KEY);
          return;
        }
        if (answer.status !== 200 || !validStats(answer.body)) {
          storeKey('');
          showLogin(answer.status === 200 ? 'proof answered /stats with something unexpected.' : errorText(answer));
          return;
        }
        storeKey(key);
        openDashboard(key, answer.body.days);
        showExperiment(answer.body.experiment);
      })
      .catch(function () {
        showLogin('Could not reach proof. Is it running, and is this page served by it?');
      });
  }

  function openDashboard(key, days) {
    session = { key: key, events: new Map(), stream: null };
    login.hidden = true;
    loginMessage.textContent = '';
    dashboard.hidden = false;
    forgetButton.hidden = false;
    showStats(days);
    openStream();
    session.refresh = setInterval(refreshStats, REFRESH_MS);
    session.clock = setInterval(updateAges, 30000);
    refreshSources();
    session.sourcesTimer = setInterval(function () {
      if (document.visibilityState !== 'hidden') refreshSources();
    }, SOURCES_MS);
    $('glance-title').focus();
  }

  // ---- numbers -------------------------------------------------------------------------

  function validStats(body) {
    return body && Array.isArray(body.days) && body.days.every(function (d) {
      return d && typeof d.date === 'string' && typeof d.purchases === 'number' &&
        SERIES.every(function (s) { return typeof d[s.key] === 'number'; });
    });
  }

  function refreshStats() {
    if (!session) return;
    var current = session;
    api('GET', '/stats?days=' + DAYS, current.key)
      .then(function (answer) {
        if (session !== current) return;
        if (answer.status === 401) return signOut(WRONG_KEY);
        if (answer.status !== 200 || !validStats(answer.body)) {
          updated.textContent = 'Numbers not updated: ' + errorText(answer);
          return;
        }
        showStats(answer.body.days);
        showExperiment(answer.body.experiment);
      })
      .catch(function () {
        if (session === current) updated.textContent = 'Numbers not updated: proof could not be reached.';
      });
  }

  function sum(days, key) {
    return days.reduce(function (total, d) { return total + d[key]; }, 0);
  }

  // A tile's number over its days. /stats counts every event as published and the
  // purchases among them: the signups are the rest.
  function tileNumber(stat, days) {
    if (stat === 'ctr') return rate(sum(days, 'clicks'), sum(days, 'shown'));
    if (stat === 'signups') return numberFormat.format(Math.max(0, sum(days, 'published') - sum(days, 'purchases')));
    return numberFormat.format(sum(days, stat));
  }

  function rate(clicks, shown) {
    return shown > 0 ? (100 * clicks / shown).toFixed(1) + '%' : '–';
  }

  function showStats(days) {
    // /stats lists the days oldest first and ends with today (UTC).
    var periods = { today: days.slice(-1), week: days.slice(-7) };
    document.querySelectorAll('[data-stat]').forEach(function (el) {
      el.textContent = tileNumber(el.getAttribute('data-stat'), periods[el.getAttribute('data-period')]);
    });
    session.days = days;
    drawChart(days);
    fillTable(days);
    updated.textContent = 'Numbers as of ' + new Date().toLocaleTimeString('en-GB') +
      ' (your time), refreshed every minute. Days are UTC.';
  }

  function fillTable(days) {
    var rows = days.map(function (d) {
      var tr = document.createElement('tr');
      var th = document.createElement('th');
      th.scope = 'row';
      th.textContent = d.date;
      tr.appendChild(th);
      ['published', 'purchases', 'shown', 'clicks', 'peak_pages'].forEach(function (key) {
        var td = document.createElement('td');
        td.textContent = typeof d[key] === 'number' ? numberFormat.format(d[key]) : '–';
        tr.appendChild(td);
      });
      return tr;
    });
    daysBody.replaceChildren.apply(daysBody, rows);
  }

  // ---- the chart: inline SVG, one element at a time -----------------------------------

  function svg(name, attributes, text) {
    var el = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (a) { el.setAttribute(a, String(attributes[a])); });
    if (text !== undefined) el.textContent = text;
    return el;
  }

  // A step of 1, 2 or 5 times a power of ten that cuts 0..max into at most `count` parts.
  function niceStep(max, count) {
    var raw = Math.max(max, 1) / count;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * power >= raw) return Math.max(1, steps[i] * power);
    }
    return 10 * power;
  }

  function dayLabel(date) {
    var d = new Date(date + 'T00:00:00Z');
    if (isNaN(d.getTime())) return date;
    return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
  }

  function drawChart(days) {
    var width = Math.max(280, Math.round(chart.clientWidth || 600));
    var narrow = width < 480;
    var height = narrow ? 220 : 280;
    // The right margin leaves room for half of today's label, centred on its point.
    var m = { left: 44, right: 20, top: 36, bottom: 28 };
    var plotW = width - m.left - m.right;
    var plotH = height - m.top - m.bottom;
    var max = 0;
    days.forEach(function (d) {
      SERIES.forEach(function (s) { max = Math.max(max, d[s.key]); });
    });
    var step = niceStep(max, narrow ? 4 : 5);
    var top = Math.max(step, Math.ceil(max / step) * step);
    var n = Math.max(days.length, 1);
    var x = function (i) { return m.left + (i + 0.5) * plotW / n; };
    var y = function (v) { return m.top + plotH - v / top * plotH; };

    var first = days.length ? dayLabel(days[0].date) : '';
    var last = days.length ? dayLabel(days[days.length - 1].date) : '';
    var root = svg('svg', {
      width: width, height: height, viewBox: '0 0 ' + width + ' ' + height,
      role: 'img', 'aria-labelledby': 'chart-svg-title chart-svg-desc', class: 'chart-svg',
    });
    root.appendChild(svg('title', { id: 'chart-svg-title' },
      'Events published (signups and purchases), cards shown and clicks per day, the last ' +
      days.length + ' days'));
    root.appendChild(svg('desc', { id: 'chart-svg-desc' },
      'From ' + first + ' to ' + last + ' (UTC): ' +
      SERIES.map(function (s) { return numberFormat.format(sum(days, s.key)) + ' ' + s.label.toLowerCase(); }).join(', ') +
      ' in all. The table below lists every day.'));

    // Horizontal grid lines with their values on the left axis.
    var grid = svg('g', { class: 'grid', 'aria-hidden': 'true' });
    for (var v = 0; v <= top; v += step) {
      grid.appendChild(svg('line', { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v) }));
      grid.appendChild(svg('text', { x: m.left - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' },
        numberFormat.format(v)));
    }
    root.appendChild(grid);

    // Day labels: as many as fit, always the last (today).
    var axis = svg('g', { class: 'axis', 'aria-hidden': 'true' });
    axis.appendChild(svg('line', { x1: m.left, x2: width - m.right, y1: y(0), y2: y(0) }));
    var every = Math.ceil(n / Math.max(1, Math.floor(plotW / 56)));
    days.forEach(function (d, i) {
      var fromEnd = days.length - 1 - i;
      if (fromEnd % every !== 0) return;
      axis.appendChild(svg('line', { x1: x(i), x2: x(i), y1: y(0), y2: y(0) + 4 }));
      axis.appendChild(svg('text', { x: x(i), y: height - 8, class: 'tick', 'text-anchor': 'middle' },
        dayLabel(d.date)));
    });
    root.appendChild(axis);

    // One line per series, with a point per day whose <title> gives the exact number.
    SERIES.forEach(function (s) {
      var g = svg('g', { class: 'series series-' + s.key });
      var points = days.map(function (d, i) { return x(i).toFixed(1) + ',' + y(d[s.key]).toFixed(1); });
      g.appendChild(svg('polyline', { points: points.join(' '), class: 'line' }));
      days.forEach(function (d, i) {
        var dot = svg('circle', { cx: x(i).toFixed(1), cy: y(d[s.key]).toFixed(1), r: narrow ? 2 : 3, class: 'dot' });
        dot.appendChild(svg('title', {}, dayLabel(d.date) + ': ' + numberFormat.format(d[s.key]) + ' ' + s.label.toLowerCase()));
        g.appendChild(dot);
      });
      root.appendChild(g);
    });

    // The legend, top left, one swatch per series.
    var legend = svg('g', { class: 'legend', 'aria-hidden': 'true' });
    var lx = m.left;
    SERIES.forEach(function (s) {
      var item = svg('g', { class: 'series series-' + s.key });
      item.appendChild(svg('line', { x1: lx, x2: lx + 18, y1: 14, y2: 14, class: 'line' }));
      item.appendChild(svg('circle', { cx: lx + 9, cy: 14, r: 3, class: 'dot' }));
      item.appendChild(svg('text', { x: lx + 24, y: 18 }, s.label));
      legend.appendChild(item);
      lx += 24 + s.label.length * 8 + 18;
    });
    root.appendChild(legend);

    chart.replaceChildren(root);
  }

  // ---- "Do the cards help?": /stats's experiment ----------------------------------------
  // The words come from admin-experiment.js (window.proofExperiment, tested in Node); this
  // draws them, and the interval as a small picture whose text alternative says the same.

  function showExperiment(experiment) {
    var words = window.proofExperiment.describeExperiment(experiment);
    var parts = [];
    if (words.current) parts.push(experimentReport(words.current, 'current'));
    if (words.start) parts.push(cell('p', words.start, 'experiment-start'));
    if (words.previous) parts.push(experimentReport(words.previous, 'previous'));
    experimentPanel.replaceChildren.apply(experimentPanel, parts);
  }

  function experimentReport(report, which) {
    var div = cell('div', undefined, 'experiment-report ' + which);
    div.setAttribute('data-verdict', report.verdict);
    div.appendChild(cell('p', report.heading, 'hint'));
    div.appendChild(cell('p', report.text, 'experiment-sentence'));
    if (report.picture) div.appendChild(intervalPicture(report.picture));
    return div;
  }

  // The interval as a bar on a line through zero ("no effect"), the estimate a dot on it;
  // zero is always in view, so the eye sees at once whether the bar crosses it.
  function intervalPicture(p) {
    var W = 360;
    var H = 64;
    var side = 84; // room for the end labels ("−2.7 points")
    var lo = Math.min(p.low, 0);
    var hi = Math.max(p.high, 0);
    var pad = (hi - lo) * 0.05 || 1;
    var x = function (v) { return (side + (v - lo + pad) / (hi - lo + 2 * pad) * (W - 2 * side)).toFixed(1); };
    var root = svg('svg', {
      viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-label': p.alt,
      class: 'interval-svg',
    });
    root.appendChild(svg('title', {}, p.alt));
    root.appendChild(svg('line', { x1: side - 8, x2: W - side + 8, y1: 30, y2: 30, class: 'axis' }));
    root.appendChild(svg('line', { x1: x(0), x2: x(0), y1: 10, y2: 44, class: 'zero' }));
    root.appendChild(svg('text', { x: x(0), y: 58, 'text-anchor': 'middle', class: 'zero-label' }, 'no effect'));
    root.appendChild(svg('line', { x1: x(p.low), x2: x(p.high), y1: 30, y2: 30, class: 'range' }));
    root.appendChild(svg('circle', { cx: x(p.estimate), cy: 30, r: 5, class: 'estimate' }));
    root.appendChild(svg('text', { x: x(p.low) - 8, y: 34, 'text-anchor': 'end' }, p.labels.low));
    root.appendChild(svg('text', { x: Number(x(p.high)) + 8, y: 34, 'text-anchor': 'start' }, p.labels.high));
    root.appendChild(svg('text', { x: x(p.estimate), y: 18, 'text-anchor': 'middle', class: 'estimate-label' }, p.labels.estimate));
    var figure = cell('figure', undefined, 'interval');
    figure.appendChild(root);
    return figure;
  }

  // ---- the stream: live count and recent events ---------------------------------------

  // Ids are microsecond clocks, close to the limit of a double: they are kept as the
  // digits the server sent rather than as parsed numbers.
  function idFrom(text) {
    var match = /"id"\s*:\s*(\d+)/.exec(text);
    return match ? match[1] : '';
  }

  function openStream() {
    var current = session;
    // Presence and replay need no key: any page may open this stream. This one never
    // shows cards; it only lists what arrives.
    var stream = new EventSource('/events?presence=1&replay=' + REPLAY);
    current.stream = stream;
    stream.addEventListener('open', function () {
      if (presence.textContent === '–') presenceNote.textContent = 'waiting for the live count…';
    });
    stream.addEventListener('error', function () {
      if (session !== current) return;
      presenceNote.textContent = stream.readyState === EventSource.CLOSED
        ? 'live count stopped: reload the page'
        : 'reconnecting…';
    });
    stream.addEventListener('presence', function (e) {
      var data;
      try {
        data = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      if (typeof data.count !== 'number') return;
      presence.textContent = numberFormat.format(data.count);
      presenceNote.textContent = 'live, this page included';
    });
    stream.addEventListener('signup', function (e) {
      var data;
      try {
        data = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      var id = e.lastEventId || idFrom(e.data);
      if (id && data && typeof data === 'object') addEvent(id, data);
      // A card from a source is a delivery: the panel shows it without waiting.
      if (data && typeof data.source === 'string') refreshSourcesSoon();
    });
    stream.addEventListener('erase', function (e) {
      var id = idFrom(e.data);
      if (id) dropEvent(id);
      refreshSourcesSoon();
    });
  }

  function field(data, name, fallback) {
    return typeof data[name] === 'string' && data[name] !== '' ? data[name] : fallback;
  }

  function age(ts) {
    var seconds = Math.max(0, (Date.now() - ts) / 1000);
    if (seconds < 60) return 'just now';
    var units = [['day', 86400], ['hour', 3600], ['minute', 60]];
    for (var i = 0; i < units.length; i++) {
      var n = Math.floor(seconds / units[i][1]);
      if (n >= 1) return n + ' ' + units[i][0] + (n === 1 ? '' : 's') + ' ago';
    }
    return 'just now';
  }

  function updateAges() {
    eventList.querySelectorAll('time[data-ts]').forEach(function (el) {
      el.textContent = age(Number(el.getAttribute('data-ts')));
    });
  }

  function span(className, text) {
    var el = document.createElement('span');
    el.className = className;
    el.textContent = text;
    return el;
  }

  // An event in the words its card uses: "Jane D. from Leeds bought Blue mug", "... bought
  // from us" (a purchase without a product), "Bo signed up with Newsletter". Its kind as
  // the widget reads it: events from before kinds have none, and then one from a verified
  // source (with a source) was a purchase, whose product, if none was sent, was stored as
  // the signups' "one of our partners".
  function eventWords(data) {
    var purchase = data.kind ? data.kind === 'purchase' : typeof data.source === 'string';
    var offer = field(data, 'offer_name', '');
    if (purchase && offer === 'one of our partners') offer = '';
    var city = field(data, 'city', '');
    var words = {
      who: field(data, 'user_name', 'someone'),
      kind: purchase ? 'purchase' : 'signup',
      verb: (city ? ' from ' + city : '') + (purchase ? (offer ? ' bought ' : ' bought from us') : ' signed up with '),
      offer: purchase ? offer : offer || 'one of our partners',
    };
    words.sentence = words.who + words.verb + words.offer;
    return words;
  }

  function addEvent(id, data) {
    if (!session || session.events.has(id)) return; // a reconnect's replay repeats events
    var words = eventWords(data);
    var li = document.createElement('li');
    li.className = 'event';
    li.setAttribute('data-id', id);
    li.setAttribute('data-kind', words.kind);

    var text = document.createElement('p');
    text.className = 'what';
    text.appendChild(span('who', words.who));
    text.appendChild(document.createTextNode(words.verb));
    if (words.offer) text.appendChild(span('offer', words.offer));
    li.appendChild(text);

    var meta = document.createElement('p');
    meta.className = 'meta';
    if (typeof data.ts === 'number') {
      var time = document.createElement('time');
      time.dateTime = new Date(data.ts).toISOString();
      time.title = new Date(data.ts).toLocaleString('en-GB');
      time.setAttribute('data-ts', String(data.ts));
      time.textContent = age(data.ts);
      meta.appendChild(time);
    }
    var channel = field(data, 'channel', '');
    if (channel) meta.appendChild(span('channel', 'channel ' + channel));
    var source = field(data, 'source', '');
    if (source) meta.appendChild(span('source', 'verified: ' + platformName(source)));
    meta.appendChild(span('id', 'id ' + id));
    li.appendChild(meta);

    var erase = document.createElement('button');
    erase.type = 'button';
    erase.className = 'erase danger quiet';
    erase.textContent = 'Erase';
    erase.setAttribute('aria-label', 'Erase: ' + words.sentence);
    erase.addEventListener('click', function () { confirmErase(id, words.sentence, erase); });
    li.appendChild(erase);

    // Newest first: ids rise with time, so the place is found by comparing them.
    var before = null;
    var big = BigInt(id);
    for (var node = eventList.firstElementChild; node; node = node.nextElementSibling) {
      if (BigInt(node.getAttribute('data-id')) < big) {
        before = node;
        break;
      }
    }
    eventList.insertBefore(li, before);
    session.events.set(id, li);
    while (eventList.children.length > KEPT) {
      var oldest = eventList.lastElementChild;
      session.events.delete(oldest.getAttribute('data-id'));
      oldest.remove();
    }
    eventsEmpty.hidden = true;
  }

  function dropEvent(id) {
    if (!session) return;
    var li = session.events.get(id);
    if (!li) return;
    session.events.delete(id);
    // Keep the keyboard where it was: on the next event's button, else the heading.
    var hadFocus = session.refocus === id || li.contains(document.activeElement);
    var next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    eventsEmpty.hidden = eventList.children.length > 0;
    if (hadFocus) {
      if (next) next.querySelector('button').focus();
      else $('events-title').focus();
    }
  }

  function confirmErase(id, sentence, button) {
    confirmText.textContent = sentence + ' (id ' + id + '). ' +
      'It leaves the history, every replay and every page that has it waiting. This cannot be undone.';
    confirmDialog.returnValue = '';
    var onClose = function () {
      confirmDialog.removeEventListener('close', onClose);
      if (confirmDialog.returnValue === 'erase') erase(id, button);
    };
    confirmDialog.addEventListener('close', onClose);
    confirmDialog.showModal(); // focuses "Keep it", the first button: the safe choice
  }

  function erase(id, button) {
    if (!session) return;
    var current = session;
    // The operator came here from this button through the dialog: once the event is gone
    // (by this answer or by the stream's erase, whichever comes first) the focus goes on
    // to the next one in the list, never back to the top of the page.
    current.refocus = id;
    button.disabled = true;
    api('DELETE', '/events/' + id, current.key)
      .then(function (answer) {
        if (session !== current) return;
        if (answer.status === 401) return signOut(WRONG_KEY);
        if (answer.status === 204 || answer.status === 404) {
          statusLine.textContent = answer.status === 204
            ? 'Erased event ' + id + '.'
            : 'Event ' + id + ' was already gone.';
          dropEvent(id);
          refreshStats();
          return;
        }
        button.disabled = false;
        button.focus();
        statusLine.textContent = 'Event ' + id + ' not erased: ' + errorText(answer);
      })
      .catch(function () {
        button.disabled = false;
        button.focus();
        if (session === current) statusLine.textContent = 'Event ' + id + ' not erased: proof could not be reached.';
      });
  }

  // ---- sources: GET /hooks/recent ------------------------------------------------------

  function platformName(source) {
    return Object.prototype.hasOwnProperty.call(PLATFORMS, source) ? PLATFORMS[source] : source;
  }

  function validSources(body) {
    return body && Array.isArray(body.sources) && Array.isArray(body.recent) &&
      body.sources.every(function (s) { return s && typeof s.source === 'string'; }) &&
      body.recent.every(function (r) { return r && typeof r.source === 'string'; });
  }

  // After a burst of stream events, one request.
  function refreshSourcesSoon() {
    if (!session || session.sourcesSoon) return;
    session.sourcesSoon = setTimeout(function () {
      if (!session) return;
      session.sourcesSoon = 0;
      refreshSources();
    }, 300);
  }

  function refreshSources() {
    if (!session) return;
    var current = session;
    api('GET', '/hooks/recent', current.key)
      .then(function (answer) {
        if (session !== current) return;
        if (answer.status === 401) return signOut(WRONG_KEY);
        if (answer.status !== 200 || !validSources(answer.body)) {
          sourcesStatus.textContent = 'Sources not updated: ' + (answer.status === 200
            ? 'proof answered /hooks/recent with something unexpected.'
            : errorText(answer));
          return;
        }
        sourcesStatus.textContent = '';
        showSources(answer.body);
        showRefusedOrigins(answer.body.refused_origins);
      })
      .catch(function () {
        if (session === current) sourcesStatus.textContent = 'Sources not updated: proof could not be reached.';
      });
  }

  function cell(tag, text, className) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function timeCell(ts, relative) {
    var td = cell('td', undefined, 'time');
    if (typeof ts !== 'number') {
      td.textContent = 'none yet';
      return td;
    }
    var time = document.createElement('time');
    time.dateTime = new Date(ts).toISOString();
    time.title = new Date(ts).toLocaleString('en-GB');
    if (relative) {
      time.setAttribute('data-ts', String(ts));
      time.textContent = age(ts);
    } else {
      time.textContent = new Date(ts).toLocaleTimeString('en-GB');
    }
    td.appendChild(time);
    return td;
  }

  function showSources(body) {
    sourcesTest.hidden = body.accept_test_events !== true;
    sourcesEmpty.hidden = body.sources.length > 0;
    sourcesPanel.hidden = body.sources.length === 0;

    sourcesBody.replaceChildren.apply(sourcesBody, body.sources.map(function (s) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-source', s.source);
      var th = cell('th', platformName(s.source));
      th.scope = 'row';
      tr.appendChild(th);
      var url = cell('td');
      url.appendChild(cell('code', typeof s.path === 'string' ? new URL(s.path, location.href).href : ''));
      tr.appendChild(url);
      tr.appendChild(timeCell(s.last_delivery, true));
      // The outcomes that happened, each with its count: a wrong secret shows up as
      // "bad signature" in red among them.
      var counts = s.counts && typeof s.counts === 'object' ? s.counts : {};
      var td = cell('td', undefined, 'counts');
      OUTCOMES.forEach(function (o) {
        var n = counts[o[0]];
        if (typeof n !== 'number' || n <= 0) return;
        var item = cell('span', o[1] + ' ' + numberFormat.format(n), REFUSED[o[0]] ? 'refused' : '');
        item.setAttribute('data-outcome', o[0]);
        // A space between them, so a narrow cell wraps there and nowhere else.
        if (td.firstChild) td.appendChild(document.createTextNode(' '));
        td.appendChild(item);
      });
      if (!td.firstChild) td.textContent = 'none yet';
      tr.appendChild(td);
      return tr;
    }));

    // Newest first, as the server lists them; sorted again in case one came out of order.
    var recent = body.recent.slice().sort(function (a, b) { return (b.ts || 0) - (a.ts || 0); });
    deliveriesEmpty.hidden = recent.length > 0;
    deliveriesBody.replaceChildren.apply(deliveriesBody, recent.map(function (r) {
      var tr = document.createElement('tr');
      tr.appendChild(timeCell(r.ts, false));
      tr.appendChild(cell('td', platformName(r.source)));
      var outcome = OUTCOMES.filter(function (o) { return o[0] === r.outcome; })[0];
      var className = REFUSED[r.outcome] ? 'refused' : r.outcome === 'published' ? 'published' : '';
      tr.appendChild(cell('td', outcome ? outcome[1] : String(r.outcome), className));
      tr.appendChild(cell('td', typeof r.reason === 'string' ? r.reason : ''));
      tr.appendChild(cell('td', typeof r.name === 'string' ? r.name : ''));
      return tr;
    }));
  }

  // ---- refused origins: GET /hooks/recent's refused_origins ------------------------------

  // What allows a refused origin, as the server names it ("--allowed-origin ORIGIN", or
  // null where nothing does), with the config file's line for the same.
  function allowCell(row) {
    var td = cell('td', undefined, 'allow');
    var flag = typeof row.setting === 'string' ? row.setting : '';
    if (!flag) {
      td.textContent = row.origin === 'null'
        ? 'none: a sandboxed frame or a file: page has no origin to allow'
        : 'none: this is not an origin a browser sends';
      return td;
    }
    var origin = flag.replace(/^--allowed-origin\s+/, '');
    td.appendChild(cell('code', flag));
    td.appendChild(document.createTextNode(' or, in the config file, '));
    td.appendChild(cell('code', 'allowed-origin = [' + JSON.stringify(origin) + ']'));
    td.appendChild(document.createTextNode(' (beside the origins listed there already)'));
    return td;
  }

  // The newest first, as the server lists them. An old server without the list shows
  // neither the table nor the empty state.
  function showRefusedOrigins(list) {
    var known = Array.isArray(list);
    var rows = known ? list.filter(function (r) { return r && typeof r.origin === 'string'; }) : [];
    originsEmpty.hidden = !known || rows.length > 0;
    originsPanel.hidden = rows.length === 0;
    originsBody.replaceChildren.apply(originsBody, rows.map(function (r) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-origin', r.origin);
      var th = cell('th');
      th.scope = 'row';
      th.appendChild(cell('code', r.origin));
      tr.appendChild(th);
      tr.appendChild(cell('td', typeof r.count === 'number' ? numberFormat.format(r.count) : '', 'count'));
      tr.appendChild(timeCell(r.last_seen, true));
      tr.appendChild(allowCell(r));
      return tr;
    }));
  }

  // ---- the test signup -----------------------------------------------------------------

  signupForm.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!session) return;
    var current = session;
    // Empty optional fields are left out; the server fills its defaults.
    var body = {};
    new FormData(signupForm).forEach(function (value, name) {
      if (value !== '') body[name] = String(value);
    });
    signupAnswer.textContent = 'Sending…';
    api('POST', '/signup', current.key, body)
      .then(function (answer) {
        if (session !== current) return;
        if (answer.status === 401) return signOut(WRONG_KEY);
        if (answer.status === 202) {
          var id = answer.body && answer.body.id !== undefined ? String(answer.body.id) : '?';
          signupAnswer.textContent = 'Sent: proof accepted it as event ' + id + '.';
          refreshStats();
          return;
        }
        signupAnswer.textContent = 'Not sent: ' + errorText(answer);
      })
      .catch(function () {
        if (session === current) signupAnswer.textContent = 'Not sent: proof could not be reached.';
      });
  });

  // ---- start -----------------------------------------------------------------------------

  keyForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var key = keyInput.value.trim();
    if (key) signIn(key);
  });

  forgetButton.addEventListener('click', function () {
    signOut('The key is forgotten. Type it again to open the page.');
  });

  var resizeTimer = 0;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      if (session && session.days) drawChart(session.days);
    }, 150);
  });

  var key = storedKey();
  if (key) signIn(key);
  else showLogin('');
})();
