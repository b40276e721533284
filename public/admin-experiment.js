// The words of the operator page's panel "Do the cards help?" (issue 33 item 6): GET
// /stats's "experiment" turned into sentences a shop owner reads without statistics, and
// the numbers of the small picture of its interval. Pure: no DOM, no clock, so the Node
// tests (tests/admin/) read exactly what the page shows; admin.js draws it.
//
// The shape it reads (core/experiment.h, experiment_json()): null when no experiment ever
// ran; else {holdout_percent, started, [ended], arms: {shown, holdout: {visitors,
// conversions}}, difference, lift: {estimate, low, high} | null, visitors_needed | null},
// and while one runs after another ended, the finished one under "previous".
(function (root) {
  'use strict';

  // The relative effect visitors_needed plans to detect (core/experiment_stats.h).
  var EFFECT = '10\u00a0%';
  var MINUS = '\u2212';
  // A number and its unit stay on one line.
  var PERCENT = '\u00a0%';

  var whole = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
  var oneDecimal = new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function isCount(n) {
    return typeof n === 'number' && n >= 0 && isFinite(n);
  }

  function isEstimate(e) {
    return !!e && typeof e === 'object' && [e.estimate, e.low, e.high].every(function (n) {
      return typeof n === 'number' && isFinite(n);
    });
  }

  // "3.3 %" for 0.033; a rate above zero that would read "0.0 %" reads "under 0.1 %".
  function ratePercent(rate) {
    if (rate > 0 && rate < 0.0005) return 'under 0.1' + PERCENT;
    return oneDecimal.format(rate * 100) + PERCENT;
  }

  // "+24", "−16", "0" in `format`: a true minus sign, and a plus where it is a gain.
  function signed(value, format) {
    var text = format.format(Math.abs(value));
    if (Number(text.replace(/,/g, '')) === 0) return text;
    return (value < 0 ? MINUS : '+') + text;
  }

  // The three numbers of an interval in the same format: whole percents, or one decimal
  // when all are under 10 (a lift of +3 % between −1 % and +7 % would lose too much).
  function intervalFormat(e, scale) {
    var largest = Math.max(Math.abs(e.estimate), Math.abs(e.low), Math.abs(e.high)) * scale;
    return largest >= 10 ? whole : oneDecimal;
  }

  // An interval as words and as the picture's numbers: the lift in percent where there is
  // one, else the difference in percentage points (no purchase yet in an arm).
  function interval(summary) {
    var lift = isEstimate(summary.lift) ? summary.lift : null;
    var diff = isEstimate(summary.difference) ? summary.difference : null;
    var e = lift || diff;
    if (!e) return null;
    var format = intervalFormat(e, 100);
    var unit = lift ? PERCENT : ' points';
    var label = function (v) { return signed(v * 100, format) + unit; };
    return {
      kind: lift ? 'lift' : 'difference',
      estimate: e.estimate * 100,
      low: e.low * 100,
      high: e.high * 100,
      labels: { estimate: label(e.estimate), low: label(e.low), high: label(e.high) },
    };
  }

  // 'help' when the whole range is above zero, 'hurt' when below, else 'unclear'. Both
  // intervals GET /stats gives must agree, so that the sentence never says "help" beside a
  // range that holds zero.
  function verdictOf(summary) {
    var intervals = [summary.difference, summary.lift].filter(isEstimate);
    if (!intervals.length) return 'unclear';
    if (intervals.every(function (e) { return e.low > 0; })) return 'help';
    if (intervals.every(function (e) { return e.high < 0; })) return 'hurt';
    return 'unclear';
  }

  // "about 323,600": a plan is rough, so hundreds (tens below a thousand).
  function about(n) {
    var step = n >= 1000 ? 100 : n >= 100 ? 10 : 1;
    return 'about ' + whole.format(Math.max(1, Math.round(n / step) * step));
  }

  function dateLabel(iso) {
    var d = new Date(typeof iso === 'string' ? iso : NaN);
    if (isNaN(d.getTime())) return '';
    return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  }

  function arm(summary, name) {
    var a = summary.arms && summary.arms[name];
    var visitors = a && isCount(a.visitors) ? a.visitors : 0;
    var conversions = a && isCount(a.conversions) ? Math.min(a.conversions, visitors) : 0;
    return { visitors: visitors, conversions: conversions };
  }

  // The sentences of one experiment's figures; `ended`: it is over, so they are final and
  // read in the past.
  function sentences(summary, ended) {
    var shown = arm(summary, 'shown');
    var held = arm(summary, 'holdout');
    if (!shown.visitors && !held.visitors) {
      return { text: ended
        ? 'It counted no visitor: no page sent a visit while it ran.'
        : 'No visitor counted yet: every page view with the widget counts one, in the group proof puts it in.', verdict: 'unclear', picture: null };
    }
    if (!shown.visitors || !held.visitors) {
      var counted = shown.visitors ? shown : held;
      var who = shown.visitors ? 'Visitors who saw cards' : 'Held-out visitors, who saw no card,';
      var missing = shown.visitors ? 'no held-out visitor' : 'no visitor who saw cards';
      return {
        text: who + ' bought ' + ratePercent(counted.conversions / counted.visitors) + ' of the time (' +
          whole.format(counted.visitors) + ' visitor-days); ' + missing + (ended ? ' was counted, so there was nothing to compare.' : ' yet, so nothing to compare.'),
        verdict: 'unclear',
        picture: null,
      };
    }
    var text = 'Visitors who saw cards bought ' + ratePercent(shown.conversions / shown.visitors) +
      ' of the time, those who did not ' + ratePercent(held.conversions / held.visitors);
    if (!shown.conversions && !held.conversions) {
      return {
        text: text + (ended ? ': no purchase was counted in either group. Was the goal marked? '
          : ': no purchase counted yet in either group. Is the goal marked? ') +
          'The order-confirmation page needs data-goal="purchase" on the widget\'s tag.',
        verdict: 'unclear',
        picture: null,
      };
    }
    var range = interval(summary);
    if (range) {
      text += ': ' + range.labels.estimate + ' (somewhere between ' + range.labels.low + ' and ' + range.labels.high + ').';
    } else {
      text += '.';
    }
    var verdict = verdictOf(summary);
    var total = shown.visitors + held.visitors;
    if (verdict === 'help') {
      text += ended ? ' The cards helped: the whole range was above zero.' : ' The cards help: the whole range is above zero.';
    } else if (verdict === 'hurt') {
      text += ended
        ? ' The cards hurt: the whole range was below zero, so visitors who saw them bought less often.'
        : ' The cards hurt: the whole range is below zero, so visitors who see them buy less often.';
    } else {
      var needed = isCount(summary.visitors_needed) ? summary.visitors_needed : null;
      if (needed === null) {
        text += held.conversions
          ? (ended ? ' It ended too early to tell.' : ' Too early to tell.')
          : (ended ? ' It ended too early to tell: no held-out visitor had bought.'
            : ' Too early to tell: how long it needs shows once a held-out visitor has bought.');
      } else if (needed > total) {
        text += ended
          ? ' It ended too early to tell: it needed ' + about(needed - total) + ' more visitor-days to be sure of a ' + EFFECT + ' effect.'
          : ' Too early to tell: ' + about(needed - total) + ' more visitor-days to be sure of a ' + EFFECT + ' effect.';
      } else {
        text += ended
          ? ' No clear effect, after the visitor-days needed to be sure of a ' + EFFECT + ' effect: if the cards had one, it was likely smaller.'
          : ' No clear effect yet, after the visitor-days needed to be sure of a ' + EFFECT + ' effect: if the cards have one, it is likely smaller.';
      }
    }
    return { text: text, verdict: verdict, picture: range && picture(range, verdict, ended) };
  }

  // The picture's numbers and its text alternative.
  function picture(range, verdict, ended) {
    var what = range.kind === 'lift' ? 'Effect of the cards on purchases' : 'Difference in purchase rate, in percentage points';
    var where = verdict === 'help' ? (ended ? 'was' : 'is') + ' wholly above zero'
      : verdict === 'hurt' ? (ended ? 'was' : 'is') + ' wholly below zero'
        : (ended ? 'included' : 'includes') + ' zero (no effect)';
    return {
      kind: range.kind,
      estimate: range.estimate,
      low: range.low,
      high: range.high,
      labels: range.labels,
      alt: what + ': ' + range.labels.estimate + ', somewhere between ' + range.labels.low + ' and ' +
        range.labels.high + '; the range ' + where + '.',
    };
  }

  // One experiment: its heading line and its figures. `ended`: 'previous' (another runs
  // now) or 'last' (none runs); false while it runs.
  function report(summary, ended) {
    var percent = isCount(summary.holdout_percent) ? summary.holdout_percent : 0;
    var started = dateLabel(summary.started);
    var finished = ended ? dateLabel(summary.ended) : '';
    var shown = arm(summary, 'shown');
    var held = arm(summary, 'holdout');
    var heading = ended
      ? 'The ' + ended + ' experiment, ' + percent + PERCENT + ' held out' +
        (started ? ' from ' + started : '') + (finished ? ' to ' + finished : '') + ': its final figures.'
      : percent + PERCENT + ' of visitors held out' + (started ? ' since ' + started : '') + ': ' +
        whole.format(shown.visitors) + ' visitor-days saw cards, ' + whole.format(held.visitors) + ' saw none.';
    var words = sentences(summary, ended);
    return { heading: heading, text: words.text, verdict: words.verdict, picture: words.picture };
  }

  // Everything the panel shows for GET /stats's "experiment" (undefined, from a server
  // before experiments, reads as null): `start`, how to start one, where none runs;
  // `current`, the running one; `previous`, the last finished one.
  function describeExperiment(experiment) {
    var out = { start: null, current: null, previous: null };
    var valid = !!experiment && typeof experiment === 'object';
    var running = valid && !experiment.ended ? experiment : null;
    var finished = valid ? (experiment.ended ? experiment : experiment.previous) : null;
    if (running) out.current = report(running, false);
    if (finished && typeof finished === 'object') out.previous = report(finished, running ? 'previous' : 'last');
    if (!running) {
      out.start = (finished ? 'No experiment is running now. To start another, ' : 'No experiment is running. To find out, ') +
        'start proof with --holdout 10 (holdout = 10 in its config file) and put data-goal="purchase" on the widget\'s tag ' +
        'on the order-confirmation page. What it costs: a tenth of your visitors see no cards while it runs; ' +
        'this panel then compares how often each group buys. How long to run it: /usr/share/doc/proof/experiment.md ' +
        '(docs/experiment.md in proof\'s source).';
    }
    return out;
  }

  var api = { describeExperiment: describeExperiment };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.proofExperiment = api;
})(this);
