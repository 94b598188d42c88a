// Photos on the visit form: a thumbnail for each chosen photo, removable before saving.
// Everything stays in the browser until "Simpan Kunjungan"; the agent re-encodes on save.
(function () {
  "use strict";

  function render(input) {
    var box = document.getElementById(input.dataset.previews);
    box.replaceChildren();
    Array.prototype.forEach.call(input.files, function (file, index) {
      var item = document.createElement("figure");
      item.className = "photo-preview";
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = input.dataset.kindLabel;
      img.onload = function () { URL.revokeObjectURL(img.src); };
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary remove-photo";
      remove.textContent = "Hapus Foto";
      remove.addEventListener("click", function () { drop(input, index); });
      item.append(img, remove);
      box.append(item);
    });
  }

  function drop(input, index) {
    var kept = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (file, i) {
      if (i !== index) { kept.items.add(file); }
    });
    input.files = kept.files;
    render(input);
  }

  document.querySelectorAll("input[type=file][data-previews]").forEach(function (input) {
    input.addEventListener("change", function () { render(input); });
  });
})();
