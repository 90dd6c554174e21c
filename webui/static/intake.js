// The intake page, enhanced: knowledge-base search as you type, and "did not help" without
// leaving the page. Without this script the same buttons post the whole form back.
(function () {
  'use strict';
  var form = document.getElementById('intake-form');
  var input = document.getElementById('kb-q');
  var results = document.getElementById('kb-results');
  var live = document.getElementById('kb-live');
  if (!form || !input || !results || !window.fetch) return;
  var csrf = form.querySelector('input[name="csrf_token"]').value;
  var timer = null;
  var latest = 0;

  function chosen() {
    var checked = form.querySelector('input[name="kb_article_id"]:checked');
    return checked ? checked.value : '';
  }

  function search() {
    var ticket = ++latest;
    var url = input.getAttribute('data-kb-url') + '?q=' + encodeURIComponent(input.value) +
      '&chosen=' + encodeURIComponent(chosen());
    fetch(url, {headers: {Accept: 'text/html'}, credentials: 'same-origin'})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        if (ticket !== latest) return; // an older answer arriving late
        results.innerHTML = html; // server-rendered, escaped by Jinja
        var count = results.querySelector('.kb-count');
        if (live && count) live.textContent = count.textContent.trim();
      })
      .catch(function () { /* the Search button still works */ });
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter') {
      event.preventDefault();
      clearTimeout(timer);
      search();
    }
  });

  results.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-kb-not-helpful]');
    if (!button) return;
    event.preventDefault();
    button.disabled = true;
    fetch(button.getAttribute('formaction'), {
      method: 'POST',
      headers: {Accept: 'application/json', 'X-CSRFToken': csrf},
      credentials: 'same-origin'
    })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (answer) {
        var note = document.createElement('span');
        note.className = 'kb-noted';
        note.textContent = answer.message;
        button.replaceWith(note);
        if (live) live.textContent = answer.message;
      })
      .catch(function () { button.disabled = false; });
  });

  form.addEventListener('submit', function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.value === 'register') {
      submitter.disabled = true; // one case per click, however impatient
      var keep = document.createElement('input');
      keep.type = 'hidden';
      keep.name = 'action';
      keep.value = 'register';
      form.appendChild(keep);
    }
  });

  var summary = document.getElementById('error-summary');
  if (summary) summary.focus();
})();
