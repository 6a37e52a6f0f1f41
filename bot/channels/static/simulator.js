// The simulator page: posts what you type to /simulator/messages and shows the replies.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const text = document.getElementById("text");
  const address = document.getElementById("address");

  function add(kind, content) {
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = content;
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  async function send(message) {
    add("person", message);
    let response;
    try {
      response = await fetch("simulator/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ address: address.value, text: message, lang: navigator.language }),
      });
    } catch (error) {
      add("error", "Could not reach Homeward. Is it running?");
      return;
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      add("error", data.error || "Error " + response.status);
      return;
    }
    if (data.replies.length === 0) {
      add("error", "(no reply)");
    }
    for (const reply of data.replies) {
      const item = add("bot", reply.text);
      if (reply.choices.length) {
        const box = document.createElement("div");
        box.className = "choices";
        reply.choices.forEach(function (choice, index) {
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = (index + 1) + ". " + choice.label;
          button.addEventListener("click", function () { send(String(index + 1)); });
          box.appendChild(button);
        });
        item.appendChild(box);
      }
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const message = text.value;
    text.value = "";
    send(message);
  });
})();
