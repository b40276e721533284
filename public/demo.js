// The demo page's test form: posts a signup the way a shop's backend would.
// The API key goes into this one request and is kept nowhere else.
(function () {
  'use strict';
  var form = document.getElementById('signup');
  var answer = document.getElementById('answer');

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    // Empty optional fields are left out; the server fills its defaults.
    var body = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== '') body.append(name, value);
    });
    answer.textContent = 'Sending…';
    fetch('/signup', { method: 'POST', body: body })
      .then(function (res) {
        return res.text().then(function (text) {
          answer.textContent = res.status + ' ' + res.statusText + '\n' + text;
        });
      })
      .catch(function (err) {
        answer.textContent = 'Request failed: ' + err.message;
      });
  });
})();
