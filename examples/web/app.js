// The campaign page of examples/web: decide, show the banner, report an
// impression and a click, and show a live poll over Server-Sent Events.
//
// It talks to the marquee-server that served it (same origin: no CORS).
// Credentials: a delivery key, the scope meant for pages (decide, events,
// votes, poll results and stream; nothing that reads or changes campaigns).
// It arrives in the link's fragment (#key=...), which a browser never
// sends, and is kept in localStorage; an EventSource cannot send an
// Authorization header, so the stream gets it as ?access_token=, which the
// server accepts on that route only and redacts from its access log.
"use strict";

const PLACEMENT = "home.hero";
const POLL = document.getElementById("poll").dataset.poll;
// Labels of the poll's options (the banner variants); a key without one
// shows as itself.
const OPTION_LABELS = { control: "Up to 30% off", urgent: "Last days" };
const KEY_STORAGE = "marquee.deliveryKey";
const USER_STORAGE = "marquee.userId";

// ---- identity -------------------------------------------------------------

// A random visitor id per browser, kept across visits, so decide gives the
// same variant every time.
function visitorId() {
  let id = localStorage.getItem(USER_STORAGE);
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    id = "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem(USER_STORAGE, id);
  }
  return id;
}

// The delivery key from the fragment (then removed from the address bar)
// or from an earlier visit; "" when none is known.
function deliveryKey() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromLink = fragment.get("key");
  if (fromLink) {
    localStorage.setItem(KEY_STORAGE, fromLink);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return localStorage.getItem(KEY_STORAGE) || "";
}

// ---- the API ----------------------------------------------------------------

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || "HTTP " + status);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (state.key) headers.Authorization = "Bearer " + state.key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, json);
  return { status: response.status, json };
}

function sendEvent(type, shown) {
  return api("POST", "/v1/events", [{
    type,
    campaign: shown.campaign,
    variant: shown.variant,
    user: state.user,
    time: new Date().toISOString(),
  }]);
}

// ---- the banner -------------------------------------------------------------

async function showBanner() {
  const banner = document.getElementById("banner");
  const query = new URLSearchParams({ user: state.user, placement: PLACEMENT });
  const { json: decision } = await api("GET", "/v1/decide?" + query);
  const first = decision.campaigns[0];
  banner.replaceChildren();
  if (!first) {
    banner.dataset.state = "empty";
    banner.append(paragraph("headline", "Nothing on offer for you right now."));
    return;
  }
  const content = first.content || {};
  const shown = { campaign: first.id, variant: first.variant };
  banner.dataset.state = "shown";
  banner.dataset.campaign = shown.campaign;
  banner.dataset.variant = shown.variant;
  // Content is data, never markup: text only.
  banner.append(paragraph("headline", content.headline || content.text || first.name));
  if (typeof content.color === "string") banner.style.setProperty("--accent", content.color);
  const button = document.createElement("button");
  button.id = "banner-cta";
  button.textContent = "Shop now";
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await sendEvent("click", shown);
      button.textContent = "Thanks! (click recorded)";
      banner.dataset.clicked = "true";
    } catch (error) {
      button.disabled = false;
      showMessage("Could not record the click: " + error.message);
    }
  });
  banner.append(button, paragraph("variant-note", `campaign ${shown.campaign}, variant ${shown.variant}`));
  await sendEvent("impression", shown);
  banner.dataset.impression = "recorded";
}

function paragraph(className, text) {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  return p;
}

// ---- the poll -----------------------------------------------------------------

function showMessage(text) {
  document.getElementById("poll-message").textContent = text;
}

function labelOf(option) {
  return OPTION_LABELS[option] || option;
}

// Draws the tally {"poll","counts":{option:n},"total"} as bars, and the vote
// buttons once the options are known (the tally lists every option).
function renderTally(tally) {
  const options = Object.keys(tally.counts);
  const buttons = document.getElementById("poll-options");
  if (buttons.childElementCount !== options.length) {
    buttons.replaceChildren(...options.map((option) => {
      const b = document.createElement("button");
      b.dataset.option = option;
      b.textContent = labelOf(option);
      b.addEventListener("click", () => vote(option));
      return b;
    }));
  }
  const results = document.getElementById("poll-results");
  results.replaceChildren(...options.map((option) => {
    const count = tally.counts[option];
    const share = tally.total > 0 ? Math.round((100 * count) / tally.total) : 0;
    const li = document.createElement("li");
    li.dataset.option = option;
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = labelOf(option);
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = share + "%";
    const number = document.createElement("span");
    number.className = "count";
    number.textContent = String(count);
    li.append(label, bar, number);
    return li;
  }));
  document.getElementById("poll-total").textContent = String(tally.total);
}

async function vote(option) {
  showMessage("Voting…");
  try {
    const { status } = await api("POST", `/v1/polls/${encodeURIComponent(POLL)}/votes`,
                                 { user: state.user, option });
    showMessage(status === 201 ? `Thanks: you voted "${labelOf(option)}".`
                               : `Your vote for "${labelOf(option)}" is counted.`);
    document.getElementById("poll").dataset.voted = option;
  } catch (error) {
    showMessage(error.status === 409 ? "You have already voted in this poll." : error.message);
  }
}

// The live results: the server sends the current tally first, then one per
// change. EventSource reconnects by itself (with Last-Event-ID).
function followResults() {
  const streamState = document.getElementById("stream-state");
  const query = state.key ? "?access_token=" + encodeURIComponent(state.key) : "";
  const source = new EventSource(`/v1/polls/${encodeURIComponent(POLL)}/stream${query}`);
  source.addEventListener("open", () => {
    streamState.textContent = "live";
    streamState.dataset.state = "live";
  });
  source.addEventListener("tally", (event) => renderTally(JSON.parse(event.data)));
  source.addEventListener("error", () => {
    streamState.textContent = "reconnecting…";
    streamState.dataset.state = "reconnecting";
  });
  return source;
}

// ---- start --------------------------------------------------------------------

const state = { user: visitorId(), key: deliveryKey() };

function askForKey(reason) {
  const section = document.getElementById("key-form-section");
  section.hidden = false;
  if (reason) section.querySelector("p").textContent = reason;
  document.getElementById("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(KEY_STORAGE, document.getElementById("key-input").value.trim());
    location.reload();
  });
}

async function start() {
  document.getElementById("user-id").textContent = state.user;
  try {
    await showBanner();
  } catch (error) {
    const banner = document.getElementById("banner");
    banner.dataset.state = "error";
    banner.replaceChildren(paragraph("headline", "Could not load the banner: " + error.message));
    if (error.status === 401 || error.status === 403) {
      localStorage.removeItem(KEY_STORAGE);
      askForKey("The server refused the key (" + error.message + "). Paste the delivery key.");
      return;
    }
  }
  followResults();
}

start();
