// The words of the operator page's panel "Do the cards help?" (public/admin-experiment.js)
// for GET /stats's "experiment" as core/experiment.h writes it. The figures are what
// statsmodels computes for those counts (tests/unit/test_experiment_stats.cpp's table,
// from tests/unit/experiment_stats_oracle.py --rows), so each case is a real server answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const { describeExperiment } = createRequire(import.meta.url)('../../public/admin-experiment.js');

// What the page shows: no-break spaces as plain ones, so the sentences read as written here.
const plain = (text) => text.replace(/\u00a0/g, ' ');
const said = (report) => plain(report.text);

// /stats's experiment for these counts and statsmodels' figures of them.
function experiment(shown, holdout, percent, difference, lift, visitorsNeeded, more = {}) {
  const estimate = (e) => (e ? { estimate: e[0], low: e[1], high: e[2] } : null);
  return {
    holdout_percent: percent,
    started: '2026-12-05T14:00:00Z',
    arms: {
      shown: { visitors: shown[0], conversions: shown[1] },
      holdout: { visitors: holdout[0], conversions: holdout[1] },
    },
    difference: estimate(difference),
    lift: estimate(lift),
    visitors_needed: visitorsNeeded,
    ...more,
  };
}

// Issue 33's example, with statsmodels' figures (not the issue's).
const EXAMPLE = experiment([9120, 301], [1013, 27], 10,
  [0.006350881522661538, -0.005996382344578067, 0.01548230588567739],
  [0.2382756660168941, -0.1602427217682053, 0.8259164460928257], 333757);

test('issue 33\'s example reads as the issue says, with statsmodels\' numbers: too early to tell', () => {
  const panel = describeExperiment(EXAMPLE);
  assert.equal(panel.start, null);
  assert.equal(panel.previous, null);
  assert.equal(said(panel.current),
    'Visitors who saw cards bought 3.3 % of the time, those who did not 2.7 %: +24 % (somewhere between −16 % and +83 %). ' +
    'Too early to tell: about 323,600 more visitor-days to be sure of a 10 % effect.');
  assert.equal(plain(panel.current.heading), '10 % of visitors held out since 5 December 2026: 9,120 visitor-days saw cards, 1,013 saw none.');
  assert.equal(panel.current.verdict, 'unclear');
  // The picture: the interval in percent, and a text alternative that says all of it.
  const picture = panel.current.picture;
  assert.equal(picture.kind, 'lift');
  assert.ok(Math.abs(picture.low - -16.02427) < 1e-3 && Math.abs(picture.high - 82.59164) < 1e-3);
  assert.ok(picture.low < 0 && picture.high > 0);
  assert.equal(plain(picture.alt), 'Effect of the cards on purchases: +24 %, somewhere between −16 % and +83 %; the range includes zero (no effect).');
  // A number and its % never part at a line break.
  assert.match(panel.current.text, /3\.3\u00a0%/);
});

test('an interval above zero says the cards help; one below zero that they hurt', () => {
  const helps = describeExperiment(experiment([12000, 660], [1200, 40], 10,
    [0.021666666666666667, 0.009285584194015541, 0.03139128707920765],
    [0.6500000000000001, 0.2058567747206259, 1.2577308160256027], 264949));
  assert.equal(helps.current.verdict, 'help');
  assert.equal(said(helps.current),
    'Visitors who saw cards bought 5.5 % of the time, those who did not 3.3 %: +65 % (somewhere between +21 % and +126 %). ' +
    'The cards help: the whole range is above zero.');
  assert.match(plain(helps.current.picture.alt), /the range is wholly above zero\.$/);

  const hurts = describeExperiment(experiment([1200, 30], [1300, 52], 50,
    [-0.015, -0.029181760570760572, -0.0009554736936477348],
    [-0.375, -0.598464320021199, -0.027172379748113484], 78909));
  assert.equal(hurts.current.verdict, 'hurt');
  assert.equal(said(hurts.current),
    'Visitors who saw cards bought 2.5 % of the time, those who did not 4.0 %: −38 % (somewhere between −60 % and −3 %). ' +
    'The cards hurt: the whole range is below zero, so visitors who see them buy less often.');
});

test('enough visitor-days and still no clear effect: said so, with small numbers in one decimal', () => {
  const panel = describeExperiment(experiment([500000, 10000], [56000, 1120], 10,
    [0.0, -0.0012532827145300793, 0.0011931796679169936],
    [0.0, -0.05930569544384623, 0.06304459924611572], 447985));
  assert.equal(said(panel.current),
    'Visitors who saw cards bought 2.0 % of the time, those who did not 2.0 %: 0.0 % (somewhere between −5.9 % and +6.3 %). ' +
    'No clear effect yet, after the visitor-days needed to be sure of a 10 % effect: if the cards have one, it is likely smaller.');
  assert.equal(plain(panel.current.heading), '10 % of visitors held out since 5 December 2026: 500,000 visitor-days saw cards, 56,000 saw none.');
});

test('null figures: no held-out purchase yet, no purchase at all, an arm without visitors, nobody yet', () => {
  // The holdout has not bought: no lift (null), the difference in points instead.
  const noHeldPurchase = describeExperiment(experiment([2000, 5], [200, 0], 10,
    [0.0025, -0.016399631376374395, 0.0058391533164327564], null, null));
  assert.equal(said(noHeldPurchase.current),
    'Visitors who saw cards bought 0.3 % of the time, those who did not 0.0 %: +0.3 points (somewhere between −1.6 points and +0.6 points). ' +
    'Too early to tell: how long it needs shows once a held-out visitor has bought.');
  assert.equal(noHeldPurchase.current.picture.kind, 'difference');

  const noPurchase = describeExperiment(experiment([100, 0], [10, 0], 10,
    [0.0, -0.27753279986288926, 0.03699349820698569], null, null));
  assert.equal(said(noPurchase.current),
    'Visitors who saw cards bought 0.0 % of the time, those who did not 0.0 %: no purchase counted yet in either group. ' +
    'Is the goal marked? The order-confirmation page needs data-goal="purchase" on the widget\'s tag.');
  assert.equal(noPurchase.current.picture, null);

  const noHoldout = describeExperiment(experiment([10, 5], [0, 0], 10, null, null, null));
  assert.equal(said(noHoldout.current),
    'Visitors who saw cards bought 50.0 % of the time (10 visitor-days); no held-out visitor yet, so nothing to compare.');
  assert.equal(noHoldout.current.picture, null);

  const noShown = describeExperiment(experiment([0, 0], [3, 1], 10, null, null, 17847));
  assert.match(said(noShown.current), /^Held-out visitors, who saw no card, bought 33\.3 % of the time \(3 visitor-days\); no visitor who saw cards yet/);

  const nobody = describeExperiment(experiment([0, 0], [0, 0], 10, null, null, null));
  assert.match(said(nobody.current), /^No visitor counted yet/);
  assert.equal(nobody.current.picture, null);
});

test('without an experiment: how to start one and what it costs', () => {
  for (const none of [null, undefined]) {
    const panel = describeExperiment(none);
    assert.equal(panel.current, null);
    assert.equal(panel.previous, null);
    assert.match(panel.start, /^No experiment is running\. To find out, start proof with --holdout 10 \(holdout = 10 in its config file\)/);
    assert.match(panel.start, /data-goal="purchase"/);
    assert.match(panel.start, /What it costs: a tenth of your visitors see no cards while it runs/);
    // The guide where an installed proof has it, not only where the source tree does.
    assert.match(panel.start, /How long to run it: \/usr\/share\/doc\/proof\/experiment\.md \(docs\/experiment\.md in proof's source\)\.$/);
  }
});

test('a finished experiment\'s figures are shown as final, alone or under the running one', () => {
  const ended = { ...EXAMPLE, ended: '2027-01-02T09:00:00Z' };
  const alone = describeExperiment(ended);
  assert.equal(alone.current, null);
  assert.match(alone.start, /^No experiment is running now\. To start another, /);
  assert.equal(plain(alone.previous.heading), 'The last experiment, 10 % held out from 5 December 2026 to 2 January 2027: its final figures.');
  assert.equal(said(alone.previous),
    'Visitors who saw cards bought 3.3 % of the time, those who did not 2.7 %: +24 % (somewhere between −16 % and +83 %). ' +
    'It ended too early to tell: it needed about 323,600 more visitor-days to be sure of a 10 % effect.');
  assert.match(plain(alone.previous.picture.alt), /the range included zero/);

  const running = experiment([0, 0], [0, 0], 20, null, null, null, { started: '2027-01-02T09:00:00Z', previous: ended });
  const both = describeExperiment(running);
  assert.equal(both.start, null);
  assert.equal(plain(both.current.heading), '20 % of visitors held out since 2 January 2027: 0 visitor-days saw cards, 0 saw none.');
  assert.match(plain(both.previous.heading), /^The previous experiment, 10 % held out from 5 December 2026 to 2 January 2027: its final figures\.$/);
});

test('numbers are for people: thousands separators, a true minus, a plan rounded, no rate of 0.0 % above zero', () => {
  const big = describeExperiment(experiment([1234567, 24691], [137174, 2743], 10,
    [3.2238051877325757e-06, -0.000790064917306087, 0.0007719536196291552],
    [0.00016121846621297564, -0.03814260264713587, 0.03999040364696027], 448065));
  assert.equal(said(big.current),
    'Visitors who saw cards bought 2.0 % of the time, those who did not 2.0 %: 0.0 % (somewhere between −3.8 % and +4.0 %). ' +
    'No clear effect yet, after the visitor-days needed to be sure of a 10 % effect: if the cards have one, it is likely smaller.');
  assert.match(plain(big.current.heading), /1,234,567 visitor-days saw cards, 137,174 saw none/);
  assert.doesNotMatch(big.current.text, /-\d/, 'a minus sign, not a hyphen');
  // A plan of under a thousand more is said in tens.
  const small = describeExperiment(experiment([10, 10], [10, 9], 10,
    [0.09999999999999998, -0.1894283527495889, 0.4041500267952386],
    [0.11111111111111116, -0.0962819225382806, 0.3660984902527449], 445));
  assert.match(said(small.current), /about 430 more visitor-days/);
  // A rate above zero never reads as 0.0 %.
  const rare = describeExperiment(experiment([100000, 3], [10000, 1], 10,
    [-7.000000000000001e-05, -0.0005366889922133438, 3.084274472037868e-05],
    [-0.7, -0.9687910671150198, 1.8837897255793106], 91508494));
  assert.equal(said(rare.current),
    'Visitors who saw cards bought under 0.1 % of the time, those who did not under 0.1 %: −70 % (somewhere between −97 % and +188 %). ' +
    'Too early to tell: about 91,398,500 more visitor-days to be sure of a 10 % effect.');
});
