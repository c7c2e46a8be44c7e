// The hall display: current call per window, waiting counts, recent calls; each new
// call is played aloud. Live from /hall/{code}/events (long-poll; central wakes it across
// its worker processes). No build step, no framework.
"use strict";
(function () {
  const hall = document.body.dataset.hall;
  const base = "/hall/" + encodeURIComponent(hall);
  const windowsEl = document.getElementById("windows");
  const waitingEl = document.getElementById("waiting");
  const recentEl = document.getElementById("recent");
  const audio = document.getElementById("call-audio");
  const soundButton = document.getElementById("sound");
  let categories = [];
  let last = 0;
  const speakQueue = [];
  let speaking = false;

  function tick() {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    document.getElementById("clock").textContent =
      pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
  }

  function windowCard(w) {
    const card = document.createElement("div");
    card.className = "win";
    card.id = "win-" + w.number;
    card.dataset.window = w.number;
    card.innerHTML = '<div class="num"></div><div class="name"></div><div class="label"></div>';
    card.querySelector(".num").textContent = w.number + "号窗口";
    card.querySelector(".name").textContent = w.name;
    windowsEl.appendChild(card);
    setCurrent(w.number, w.current);
  }

  function setCurrent(number, label) {
    const card = document.getElementById("win-" + number);
    if (!card) return;
    const el = card.querySelector(".label");
    el.textContent = label || "暂无叫号";
    el.classList.toggle("idle", !label);
    card.dataset.current = label || "";
  }

  function setWaiting(counts) {
    waitingEl.innerHTML = "";
    for (const c of categories) {
      const li = document.createElement("li");
      li.dataset.category = c.code;
      li.innerHTML = "<span></span><b></b>";
      li.querySelector("span").textContent = c.code + " " + c.name;
      li.querySelector("b").textContent = String(counts[c.code] || 0);
      waitingEl.appendChild(li);
    }
  }

  function announce(ev) {
    const d = ev.data;
    setCurrent(d.window, d.label);
    const card = document.getElementById("win-" + d.window);
    if (card) {
      card.classList.remove("flash");
      void card.offsetWidth;
      card.classList.add("flash");
    }
    document.getElementById("now-label").textContent = d.label;
    document.getElementById("now-window").textContent = "请到 " + d.window + " 号窗口";
    const li = document.createElement("li");
    li.innerHTML = "<span></span><span></span>";
    li.children[0].textContent = d.label;
    li.children[1].textContent = d.window + "号窗口";
    recentEl.prepend(li);
    while (recentEl.children.length > 6) recentEl.lastChild.remove();
    speakQueue.push(base + "/calls/" + ev.id + ".wav");
    speakNext();
  }

  function speakNext() {
    if (speaking || speakQueue.length === 0) return;
    speaking = true;
    audio.src = speakQueue.shift();
    audio.dataset.event = audio.src;
    const played = audio.play();
    if (played && played.catch) {
      played.catch(() => {
        // The browser wants a touch before it plays sound: offer the button.
        soundButton.classList.remove("hidden");
        speaking = false;
      });
    }
  }
  audio.addEventListener("ended", () => { speaking = false; speakNext(); });
  audio.addEventListener("error", () => { speaking = false; speakNext(); });
  soundButton.addEventListener("click", () => {
    soundButton.classList.add("hidden");
    speakNext();
    if (!speaking && audio.src) audio.play().catch(() => {});
  });

  function apply(ev) {
    const d = ev.data || {};
    if (ev.kind === "call" || ev.kind === "recall") {
      announce(ev);
    } else if (ev.kind === "finish" || ev.kind === "skip" || ev.kind === "transfer") {
      const card = document.getElementById("win-" + d.window);
      if (card && card.dataset.current === d.label) setCurrent(d.window, null);
    }
    if (d.waiting) setWaiting(d.waiting);
  }

  async function load() {
    const response = await fetch(base + "/state", { cache: "no-store" });
    const state = await response.json();
    categories = state.categories;
    windowsEl.innerHTML = "";
    state.windows.forEach(windowCard);
    const counts = {};
    for (const c of state.categories) counts[c.code] = c.waiting;
    setWaiting(counts);
    last = state.last_event_id;
    document.body.dataset.ready = "1";
  }

  async function follow() {
    for (;;) {
      try {
        const response = await fetch(base + "/events?after=" + last, { cache: "no-store" });
        if (!response.ok) throw new Error(String(response.status));
        const body = await response.json();
        for (const ev of body.events) apply(ev);
        last = body.last;
        document.body.dataset.last = String(last);
      } catch (err) {
        await new Promise((r) => setTimeout(r, 2000));
        try { await load(); } catch (e) { /* central unreachable: try again */ }
      }
    }
  }

  tick();
  setInterval(tick, 1000);
  load().then(follow, () => setTimeout(() => location.reload(), 5000));
})();
