// 通办运维控制台: the only script. Sets progress bar widths (data-w, in per cent: the CSP
// allows no inline style), refreshes the fleet overview from /ops/api/fleet every 15 s in
// place (text only, never HTML) and reloads a terminal's page when it changed
// (/ops/api/terminals/{id}). A lost session (401) goes back to the login page.
"use strict";

function setBars(root) {
  for (const el of root.querySelectorAll("[data-w]")) {
    const w = Math.max(0, Math.min(100, parseFloat(el.dataset.w) || 0));
    el.style.width = w + "%";
  }
}

function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  const b = new Date(d.getTime() + 8 * 3600 * 1000); // Beijing time
  const p = (n) => String(n).padStart(2, "0");
  return `${p(b.getUTCMonth() + 1)}-${p(b.getUTCDate())} ${p(b.getUTCHours())}:${p(b.getUTCMinutes())}:${p(b.getUTCSeconds())}`;
}

function applyFleet(data) {
  for (const [key, value] of Object.entries(data.total)) {
    const el = document.querySelector(`[data-count="${key}"]`);
    if (el && typeof value === "number") el.textContent = String(value);
  }
  const versions = document.getElementById("versions");
  if (versions) {
    versions.replaceChildren(...Object.entries(data.total.versions).map(([v, n]) => {
      const chip = document.createElement("span");
      chip.className = "chip";
      const b = document.createElement("b");
      b.textContent = v;
      chip.append(b, ` × ${n}`);
      return chip;
    }));
  }
  let unknown = false;
  for (const region of data.regions) {
    for (const hall of region.halls) {
      for (const t of hall.terminals) {
        const row = document.querySelector(`tr[data-terminal="${CSS.escape(t.terminal_id)}"]`);
        if (!row) { unknown = true; continue; }
        const cell = (f) => row.querySelector(`[data-field="${f}"]`);
        const pill = cell("status");
        pill.className = `pill ${t.status}`;
        pill.textContent = t.status_text;
        cell("last_seen").textContent = when(t.last_seen);
        cell("version").textContent = t.version;
        cell("config_version").textContent = t.config_version;
        cell("faults").textContent = t.faults.length ? t.faults.join("；") : (t.supplies_low ? "耗材偏低" : "—");
        cell("outbox_depth").textContent = String(t.outbox_depth);
        cell("update_text").textContent = t.update_text || "—";
      }
    }
  }
  if (unknown) window.location.reload(); // a new terminal or hall: draw the page again
  const stamp = document.getElementById("refreshed");
  if (stamp) stamp.textContent = "更新于 " + when(new Date().toISOString());
  document.body.dataset.refreshed = String((parseInt(document.body.dataset.refreshed || "0", 10)) + 1);
}

async function refresh(url) {
  try {
    const answer = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (answer.status === 401) { window.location.assign("/ops/login"); return; }
    if (answer.ok) applyFleet(await answer.json());
  } catch (err) {
    const stamp = document.getElementById("refreshed");
    if (stamp) stamp.textContent = "刷新失败，稍后重试";
  }
}

// A terminal's page: reloaded when what it shows changed (a heartbeat with new health, a
// command's state), unless the technician is typing in one of its forms.
async function watch(el) {
  try {
    const answer = await fetch(el.dataset.watch, { credentials: "same-origin" });
    if (answer.status === 401) { window.location.assign("/ops/login"); return; }
    if (!answer.ok) return;
    const data = await answer.json();
    const typing = document.activeElement && document.activeElement.matches("input, select, textarea");
    if (data.stamp !== el.dataset.stamp && !typing) window.location.reload();
  } catch (err) { /* the next round tries again */ }
}

document.addEventListener("DOMContentLoaded", () => {
  setBars(document);
  const terminal = document.querySelector("[data-watch]");
  if (terminal) {
    const every = parseInt(document.body.dataset.refreshMs || "15000", 10);
    setInterval(() => watch(terminal), every);
  }
  const fleet = document.querySelector("[data-refresh]");
  if (fleet) {
    const url = fleet.dataset.refresh;
    const every = parseInt(document.body.dataset.refreshMs || "15000", 10);
    setInterval(() => refresh(url), every);
  }
  document.body.dataset.ready = "1";
});
