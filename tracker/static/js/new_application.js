// Progressive enhancement: show only the chosen flow's attributes (all are shown without JS).
(function () {
  var form = document.getElementById("new-application");
  if (!form) { return; }
  function update() {
    var chosen = form.querySelector("input[name='flow']:checked");
    form.querySelectorAll(".flow-choice").forEach(function (box) {
      var on = chosen && box.getAttribute("data-flow") === chosen.value;
      box.classList.toggle("chosen", !!on);
      box.querySelectorAll(".flow-attribute").forEach(function (field) {
        field.hidden = !on;
      });
    });
  }
  form.addEventListener("change", update);
  update();
})();
