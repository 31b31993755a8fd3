// Public pages: show the bank picker only when checking a bank account.
// Without JavaScript every field stays visible and the server ignores the bank for other kinds.
(function () {
  function sync(select) {
    var form = select.form;
    var bank = form && form.querySelector('.bank-field');
    if (!bank) return;
    if (select.value === 'bank_account') bank.removeAttribute('data-hidden');
    else bank.setAttribute('data-hidden', '');
  }
  document.querySelectorAll('select[data-toggle-bank]').forEach(function (select) {
    sync(select);
    select.addEventListener('change', function () { sync(select); });
  });
})();
