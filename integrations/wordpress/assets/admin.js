/*
 * Settings > proof: the browser's half of the live check. WordPress has asked proof
 * whether it answers and allows this site (includes/check.php); this asks whether the
 * browser reaches the address at all, which only a browser can tell: a name that
 * resolves only on the server, a firewall, an HTTPS page calling HTTP. `no-cors`, because
 * reachability is the question here: an opaque answer is an answer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
(function () {
  'use strict';
  var item = document.getElementById('proof-browser-check');
  if (!item || !window.fetch) return;
  var icon = item.querySelector('.dashicons');
  var text = item.querySelector('.proof-browser-text');

  function show(state) {
    item.setAttribute('data-state', state);
    icon.className = 'dashicons ' + (state === 'ok' ? 'dashicons-yes-alt' : 'dashicons-dismiss');
    text.textContent = item.getAttribute(state === 'ok' ? 'data-ok' : 'data-error');
  }

  // An address that drops packets would leave the line pending for minutes.
  var controller = window.AbortController ? new AbortController() : null;
  if (controller) setTimeout(function () { controller.abort(); }, 5000);
  fetch(item.getAttribute('data-url'), {
    mode: 'no-cors',
    cache: 'no-store',
    credentials: 'omit',
    signal: controller ? controller.signal : undefined
  }).then(function () { show('ok'); }, function () { show('error'); });
})();
