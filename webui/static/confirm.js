// A form with data-confirm="question" is sent only when the user agrees (no inline handlers: the CSP forbids them).
document.addEventListener('submit', function (event) {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
