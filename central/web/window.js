// The window page: a clerk logs in, picks their window, and calls. Nothing personal is
// ever shown: tickets are labels. Waiting counts follow /hall/{code}/events.
"use strict";
(function () {
  const hall = document.body.dataset.hall;
  const base = "/hall/" + encodeURIComponent(hall);
  const $ = (id) => document.getElementById(id);
  const WORDS = {
    empty: "当前没有等候的号",
    too_soon: "该号呼叫次数未满，请先重呼",
    not_found: "当前没有正在办理的号",
    duplicate: "该号已在此类别",
    missing_signature: "请先登录",
    validation_failed: "请选择要转到的类别",
  };
  let state = null;
  let windowNumber = Number(localStorage.getItem("tongban.window." + hall)) || null;
  let last = 0;
  let following = false;

  function show(id) {
    for (const s of ["login", "pick", "desk"]) $(s).classList.toggle("hidden", s !== id);
  }

  function say(text, error) {
    $("message").textContent = text;
    $("message").classList.toggle("error", !!error);
  }

  async function api(path, body) {
    const response = await fetch(base + path, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const err = new Error(answer.detail || String(response.status));
      err.reason = answer.error;
      err.status = response.status;
      throw err;
    }
    return answer;
  }

  async function loadState() {
    state = await api("/state");
    last = state.last_event_id;
    const select = $("window-select");
    select.innerHTML = "";
    for (const w of state.windows) {
      const o = document.createElement("option");
      o.value = w.number;
      o.textContent = w.number + "号窗口 · " + w.name + "（" + w.categories.join("、") + "）";
      select.appendChild(o);
    }
    const transfer = $("transfer-category");
    transfer.innerHTML = "";
    for (const c of state.categories) {
      const o = document.createElement("option");
      o.value = c.code;
      o.textContent = c.code + " " + c.name;
      transfer.appendChild(o);
    }
    renderCounts(Object.fromEntries(state.categories.map((c) => [c.code, c.waiting])));
  }

  function renderCounts(counts) {
    const el = $("counts");
    el.innerHTML = "";
    for (const c of state.categories) {
      const span = document.createElement("span");
      span.dataset.category = c.code;
      span.textContent = c.code + " " + c.name + "：" + (counts[c.code] || 0) + " 人";
      el.appendChild(span);
    }
  }

  function setCurrent(label, calls) {
    $("current").textContent = label || "—";
    $("calls").textContent = label ? "已呼叫 " + calls + " 次" : "";
  }

  function openDesk() {
    const w = state.windows.find((x) => x.number === windowNumber);
    if (!w) { show("pick"); return; }
    $("window-title").textContent = w.number + "号窗口 · " + w.name;
    setCurrent(w.current, w.calls);
    show("desk");
    document.body.dataset.ready = "1";
    if (!following) { following = true; follow(); }
  }

  async function act(action) {
    const body = action === "transfer" ? { category: $("transfer-category").value } : {};
    try {
      const r = await api("/window/" + windowNumber + "/" + action, body);
      if (action === "call" || action === "recall") {
        setCurrent(r.label, r.calls);
        say((action === "call" ? "已呼叫 " : "已重呼 ") + r.label);
      } else if (action === "transfer") {
        setCurrent(null, 0);
        say(r.from_label + " 已转为 " + r.label);
      } else {
        setCurrent(null, 0);
        say(r.label + (action === "skip" ? " 已过号" : " 已办结"));
      }
    } catch (err) {
      if (err.status === 401) { show("login"); }
      say(WORDS[err.reason] || err.message, true);
    }
  }

  async function follow() {
    for (;;) {
      try {
        const body = await api("/events?after=" + last);
        for (const ev of body.events) if (ev.data && ev.data.waiting) renderCounts(ev.data.waiting);
        last = body.last;
      } catch (err) {
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  $("login").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const me = await api("/login", { login: $("login-name").value, password: $("login-password").value });
      $("who").textContent = me.name;
      $("login-password").value = "";
      await loadState();
      if (windowNumber) openDesk(); else show("pick");
    } catch (err) {
      $("login-message").textContent =
        err.status === 401 ? "登录名或密码不正确" : "登录失败：" + err.message;
    }
  });
  $("pick-submit").addEventListener("click", () => {
    windowNumber = Number($("window-select").value);
    localStorage.setItem("tongban.window." + hall, String(windowNumber));
    openDesk();
  });
  $("change-window").addEventListener("click", () => show("pick"));
  $("logout").addEventListener("click", async () => { await api("/logout", {}); show("login"); });
  for (const action of ["call", "recall", "finish", "skip", "transfer"]) {
    $("act-" + action).addEventListener("click", () => act(action));
  }

  api("/me").then(async (me) => {
    $("who").textContent = me.name;
    await loadState();
    if (windowNumber) openDesk(); else show("pick");
  }, () => show("login"));
})();
