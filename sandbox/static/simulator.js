/* The people simulator: a Messenger-like thread polled every second, the Page's posts, m.me
 * links and ads. Every action goes through the sandbox's control API (/_sandbox/...), so what
 * happens here is exactly what a test could do; Herald sees the webhooks it causes. */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(window.location.search);
  const people = JSON.parse($("sim").dataset.people);
  const GAP_MS = 20 * 60 * 1000; // a time divider after 20 minutes of silence, as Messenger does
  const state = { personId: "", pageId: "", raw: "", data: null, pendingRef: null, postsRaw: "" };

  // --- small DOM helpers -----------------------------------------------------------------------

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children || []) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function button(text, onClick, className) {
    return el("button", { type: "button", textContent: text, className: className || "", onclick: onClick });
  }

  function when(ms) {
    const date = new Date(ms);
    const now = state.data ? new Date(state.data.now) : new Date();
    const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return date.toDateString() === now.toDateString() ? time : date.toLocaleDateString() + " " + time;
  }

  function setStatus(text, isError) {
    const status = $("status");
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  // --- control API -------------------------------------------------------------------------------

  async function post(path, body) {
    setStatus("Sending…"); // set before the first await, so a click is visibly under way
    const response = await fetch("/_sandbox/" + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      setStatus(data.error || "HTTP " + response.status, true);
      throw new Error(data.error || String(response.status));
    }
    setStatus(data.webhook_status ? "Done · webhook " + data.webhook_status : "Done");
    return data;
  }

  async function act(path, body) {
    if (!state.personId) {
      setStatus("Choose who you are first.", true);
      return null;
    }
    const data = await post("people/" + state.personId + "/" + path, Object.assign({ page_id: state.pageId }, body));
    await poll();
    return data;
  }

  const sendText = (text) => act("messages", { text: text });
  const sendPostback = (payload, title, ref) =>
    act("messages", Object.assign({ postback_payload: payload, postback_title: title }, ref ? { ref: ref } : {}));

  // --- the thread --------------------------------------------------------------------------------

  async function poll() {
    if (!state.personId || !state.pageId) return;
    const url = "/_sandbox/simulator/thread?person_id=" + state.personId + "&page_id=" + state.pageId;
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) return;
    const raw = await response.text();
    if (raw === state.raw) return; // nothing changed: keep the DOM (and the scroll) as it is
    state.raw = raw;
    state.data = JSON.parse(raw);
    render();
  }

  function render() {
    const data = state.data;
    $("page-name").textContent = data.page.name;
    $("page-avatar").src = data.page.avatar;
    $("page-sub").textContent = data.page.username ? "m.me/" + data.page.username : "Messenger";
    const thread = data.thread;
    const blocked = Boolean(thread && thread.blocked);
    $("blocked").hidden = !blocked;
    $("composer").hidden = blocked;
    $("block-toggle").textContent = blocked ? "Unblock Page" : "Block Page";
    $("menu-button").hidden = !data.page.menu.length;
    renderWindow(thread);
    renderThread(data);
    renderQuickReplies(thread);
  }

  function renderWindow(thread) {
    const text = !thread
      ? "No conversation yet."
      : thread.window_ends_at
        ? "The Page may message you until " + when(thread.window_ends_at) + " (24-hour window)."
        : "24-hour window closed: the Page needs a message tag to write.";
    $("window").textContent = text;
  }

  function renderThread(data) {
    const box = $("thread");
    box.replaceChildren();
    if (!data.thread) {
      box.append(welcome(data.page));
      return;
    }
    const items = data.thread.items;
    const lastIn = lastIndex(items, (item) => item.direction === "in" && item.kind !== "referral");
    const lastOut = lastIndex(items, (item) => item.direction === "out");
    let previous = 0;
    items.forEach((item, index) => {
      if (item.timestamp - previous > GAP_MS) box.append(el("div", { className: "time-divider", textContent: when(item.timestamp) }));
      previous = item.timestamp;
      for (const node of renderItem(item)) box.append(node);
      if (index === lastIn) box.append(mark("in", seenByPage(item, data.thread.page_seen) ? "Seen" : "Sent"));
      if (index === lastOut) box.append(mark("out", outMark(item, data.thread)));
    });
    if (data.thread.typing) {
      box.append(el("div", { className: "msg out typing" }, [el("div", { className: "bubble", textContent: "typing…" })]));
    }
    box.scrollTop = box.scrollHeight; // redrawn only on change: a change is news, show it
  }

  function lastIndex(items, test) {
    for (let i = items.length - 1; i >= 0; i -= 1) if (test(items[i])) return i;
    return -1;
  }

  function seenByPage(item, seen) {
    // [timestamp, id] of the Page's last look: everything before it in thread order was seen.
    return Boolean(seen) && (item.timestamp < seen[0] || (item.timestamp === seen[0] && item.id < seen[1]));
  }

  function outMark(item, thread) {
    if (item.timestamp <= thread.read_watermark) return "Read";
    return item.timestamp <= thread.delivered_watermark ? "Delivered" : "";
  }

  function mark(direction, text) {
    return el("div", { className: "msg " + direction }, [el("span", { className: "mark", textContent: text })]);
  }

  function note(text) {
    return el("div", { className: "note", textContent: text });
  }

  function referralNote(referral) {
    if (!referral) return null;
    if (referral.source === "ADS") {
      const title = (referral.ads_context_data || {}).ad_title || "an ad";
      return note("You opened this conversation from an ad: " + title + ".");
    }
    return note("You entered this conversation by following a link" + (referral.ref ? " (ref: " + referral.ref + ")" : "") + ". We've let the Page know you're here.");
  }

  function renderItem(item) {
    const content = item.message || {};
    if (item.kind === "referral") return [referralNote(content)];
    if (item.kind === "optin") return [note("You opted in" + (content.ref ? " (ref: " + content.ref + ")" : "") + ".")];
    const wrap = el("div", { className: "msg " + item.direction, title: new Date(item.timestamp).toLocaleString() });
    wrap.dataset.testid = "message-" + item.direction;
    if (item.kind === "postback") {
      wrap.append(el("div", { className: "bubble", textContent: item.text || content.title || "" }));
      return [referralNote(content.referral), wrap].filter(Boolean);
    }
    if (item.direction === "in") {
      if (content.text) wrap.append(el("div", { className: "bubble", textContent: content.text }));
      for (const attachment of content.attachments || []) wrap.append(media(attachment));
      return [referralNote(content.referral), wrap].filter(Boolean);
    }
    if (content.text) wrap.append(el("div", { className: "bubble", textContent: content.text }));
    if (content.attachment) wrap.append(attachmentNode(content.attachment));
    if (content.sticker_id) wrap.append(el("div", { className: "bubble", textContent: "[sticker]" }));
    return [wrap];
  }

  function media(attachment) {
    const payload = attachment.payload || {};
    if (attachment.type === "image" && payload.url) return el("img", { className: "media", src: payload.url, alt: "image" });
    if (payload.url) return el("a", { href: payload.url, target: "_blank", rel: "noopener", textContent: attachment.type + " attachment" });
    return el("div", { className: "bubble", textContent: "[" + attachment.type + "]" });
  }

  function attachmentNode(attachment) {
    const payload = attachment.payload || {};
    if (attachment.type !== "template") return media(attachment);
    if (payload.template_type === "generic") {
      return el("div", { className: "carousel" }, payload.elements.map(card));
    }
    if (payload.template_type === "button") {
      return el("div", { className: "button-template" }, [
        el("div", { className: "bubble", textContent: payload.text }),
        buttonsNode(payload.buttons),
      ]);
    }
    if (payload.template_type === "media") {
      return el("div", { className: "carousel" }, payload.elements.map((item) => el("div", { className: "tcard" }, [
        el("img", { src: item.url || "", alt: item.media_type || "media" }),
        buttonsNode(item.buttons),
      ])));
    }
    return el("div", { className: "bubble", textContent: "[" + payload.template_type + " template]" });
  }

  function card(element) {
    const image = element.image_url ? el("img", { src: element.image_url, alt: "" }) : null;
    if (image && element.default_action && element.default_action.url) {
      image.style.cursor = "pointer";
      image.onclick = () => window.open(element.default_action.url, "_blank", "noopener");
    }
    return el("div", { className: "tcard" }, [
      image,
      el("div", { className: "card-body" }, [
        el("div", { className: "title", textContent: element.title || "" }),
        element.subtitle ? el("div", { className: "subtitle", textContent: element.subtitle }) : null,
      ]),
      buttonsNode(element.buttons),
    ]);
  }

  function buttonsNode(buttons) {
    if (!buttons || !buttons.length) return null;
    return el("div", { className: "buttons" }, buttons.map((b) => button(b.title || b.type, () => pressButton(b))));
  }

  function pressButton(b) {
    if (b.type === "postback") return sendPostback(String(b.payload), b.title);
    if (b.type === "web_url") return window.open(b.url, "_blank", "noopener");
    if (b.type === "phone_number") return (window.location.href = "tel:" + b.payload);
    setStatus("The simulator does not handle " + b.type + " buttons.", true);
    return null;
  }

  function renderQuickReplies(thread) {
    const box = $("quick-replies");
    box.replaceChildren();
    if (!thread || thread.blocked || !thread.items.length) return;
    const last = thread.items[thread.items.length - 1];
    if (last.direction !== "out" || !last.message || !last.message.quick_replies) return;
    const person = state.data.person;
    for (const reply of last.message.quick_replies) {
      let title = reply.title;
      let payload = reply.payload;
      if (reply.content_type === "user_email") title = payload = person.email;
      if (reply.content_type === "user_phone_number") title = payload = person.phone_number || "+15550100";
      const chip = button(title, () => act("messages", { quick_reply_payload: String(payload), text: title }), "chip");
      chip.dataset.testid = "quick-reply";
      box.append(chip);
    }
  }

  function welcome(page) {
    const parts = [
      el("img", { src: page.avatar, alt: "", width: 72, height: 72 }),
      el("strong", { textContent: page.name }),
      page.greeting ? el("p", { textContent: page.greeting }) : null,
    ];
    if (page.get_started) {
      parts.push(button("Get Started", () => sendPostback(page.get_started, "Get Started", state.pendingRef).then(() => (state.pendingRef = null)), "primary"));
    } else {
      parts.push(el("small", { textContent: "This Page has no Get Started button" + (state.pendingRef ? ": Messenger does not pass the link's ref to a new conversation." : ".") }));
    }
    const ice = page.ice_breakers.map((item) => button(item.question, () => sendPostback(String(item.payload), item.question), "chip"));
    if (ice.length) parts.push(el("div", { className: "stack-sm" }, ice));
    return el("div", { className: "welcome" }, parts);
  }

  // --- m.me links and ads -------------------------------------------------------------------------

  async function openLink(ref) {
    if (!state.personId) return;
    await poll();
    if (state.data && state.data.thread) {
      if (ref) await act("messages", { ref: ref });
      else setStatus("Opened the conversation (no ref: Messenger sends nothing).");
    } else {
      state.pendingRef = ref || null;
      state.raw = "";
      await poll();
      setStatus(state.data.page.get_started ? "New conversation: tap Get Started." : "New conversation.");
    }
  }

  async function loadAds() {
    const box = $("ads");
    const response = await fetch("/_sandbox/ads", { cache: "no-store" });
    const data = await response.json();
    const creatives = Object.fromEntries(data.creatives.map((c) => [c.id, c]));
    const ads = data.ads.filter((ad) => ad.page_id === state.pageId && ad.status !== "DELETED");
    box.replaceChildren();
    if (!ads.length) box.append(el("small", { textContent: "No ads for this Page." }));
    for (const ad of ads) {
      const creative = creatives[ad.creative_id] || {};
      const click = button("Click ad", () => act("ad_click", { ad_id: ad.id }).then(loadAds), "small");
      click.disabled = ad.effective_status !== "ACTIVE";
      box.append(el("div", { className: "row" }, [
        el("span", { textContent: (creative.title || ad.name) + " " }),
        el("small", { textContent: ad.effective_status }),
        click,
      ]));
    }
  }

  // --- posts and comments ------------------------------------------------------------------------

  async function loadPosts() {
    if (!state.pageId) return;
    const response = await fetch("/_sandbox/pages/" + state.pageId + "/posts", { cache: "no-store" });
    const raw = await response.text();
    const box = $("posts");
    const typing = box.contains(document.activeElement) && document.activeElement.value;
    if (raw === state.postsRaw || typing) return; // never wipe what the person is typing
    state.postsRaw = raw;
    const posts = JSON.parse(raw).posts.filter((p) => p.is_published);
    box.replaceChildren(...posts.map(postNode));
    if (!posts.length) box.append(el("small", { textContent: "The Page has no posts yet." }));
  }

  function postNode(post) {
    const list = el("ul", { className: "comments" }, post.comments.filter((c) => !c.deleted).map((c) => commentNode(post, c)));
    return el("article", { className: "post" }, [
      el("div", { className: "meta", textContent: post.from.name + " · " + when(post.created_time * 1000) }),
      el("div", { className: "text", textContent: post.message || "" }),
      post.link ? el("a", { href: post.link, target: "_blank", rel: "noopener", textContent: post.link }) : null,
      list,
      commentForm("Write a comment…", (text) => act("comments", { post_id: post.id, message: text })),
    ]);
  }

  function commentNode(post, comment) {
    const mine = comment.from.id === state.personId;
    const tags = [];
    if (comment.by_page) tags.push(el("span", { className: "tag", textContent: "Page" }));
    if (comment.is_hidden) tags.push(el("span", { className: "tag hidden", textContent: "Hidden by the Page: only you and your friends see it" }));
    if (comment.private_reply_mid) tags.push(el("span", { className: "tag private", textContent: "The Page replied privately in Messenger" }));
    const actions = [];
    const topId = comment.parent_id || comment.id;
    let form = null;
    actions.push(button("Reply", () => {
      if (!form) {
        form = commentForm("Reply…", (text) => act("comments", { post_id: post.id, parent_id: topId, message: text }));
        item.append(form);
      }
      form.querySelector("input").focus();
    }));
    if (mine) {
      actions.push(button("Edit", () => {
        const text = window.prompt("Edit your comment", comment.message || "");
        if (text) changeComment(comment.id, "edit", { message: text });
      }));
      actions.push(button("Remove", () => changeComment(comment.id, "remove", {})));
    }
    const item = el("li", {}, [
      el("div", { className: "comment" + (comment.by_page ? " by-page" : "") }, [
        el("div", { className: "who", textContent: comment.from.name }),
        el("div", { textContent: comment.message || "" }),
        tags.length ? el("div", { className: "tags" }, tags) : null,
        el("div", { className: "actions" }, actions),
      ]),
    ]);
    const replies = (comment.replies || []).filter((r) => !r.deleted);
    if (replies.length) item.append(el("ul", { className: "comments replies" }, replies.map((r) => commentNode(post, r))));
    return item;
  }

  async function changeComment(commentId, verb, body) {
    await post("comments/" + commentId + "/" + verb, body);
    state.postsRaw = "";
    await loadPosts();
  }

  function commentForm(placeholder, submit) {
    const input = el("input", { placeholder: placeholder });
    input.setAttribute("aria-label", placeholder);
    const form = el("form", { className: "comment-form" }, [input, el("button", { type: "submit", textContent: "Post", className: "small" })]);
    form.onsubmit = async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      input.blur();
      await submit(text);
      state.postsRaw = "";
      await loadPosts();
    };
    return form;
  }

  // --- choosing who and where ----------------------------------------------------------------------

  function choose(personId, pageId) {
    state.personId = personId || "";
    state.pageId = pageId || state.pageId;
    state.raw = "";
    state.postsRaw = "";
    $("person").value = state.personId;
    $("page").value = state.pageId;
    if (state.personId) window.localStorage.setItem("sandbox.person", state.personId);
    const query = new URLSearchParams({ page_id: state.pageId });
    if (state.personId) query.set("person_id", state.personId);
    window.history.replaceState(null, "", "?" + query.toString());
    if (!state.personId) $("thread").replaceChildren(note("Choose who you are to start chatting."));
    poll();
    loadPosts();
    loadAds();
  }

  function askWho(then) {
    const list = $("who-list");
    list.replaceChildren(...people.map((p) => button(p.name, () => {
      $("who").hidden = true;
      then(p.id);
    })));
    $("who").hidden = false;
  }

  $("person").onchange = () => choose($("person").value, state.pageId);
  $("page").onchange = () => choose(state.personId, $("page").value);
  $("composer").onsubmit = async (event) => {
    event.preventDefault();
    const input = $("message");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    await sendText(text);
  };
  $("open-mme").onclick = () => openLink($("mme-ref").value.trim());
  $("mark-read").onclick = () => act("read", {});
  $("block-toggle").onclick = () => act(state.data && state.data.thread && state.data.thread.blocked ? "unblock" : "block", {});
  $("unblock").onclick = () => act("unblock", {});
  $("menu-button").onclick = () => {
    const menu = $("menu");
    menu.replaceChildren(...state.data.page.menu.map((item) => el("li", {}, [button(item.title, () => {
      menu.hidden = true;
      pressButton(item);
    })])));
    menu.hidden = !menu.hidden;
  };

  // --- start ---------------------------------------------------------------------------------------

  const pageId = params.get("page_id") || $("page").value;
  const stored = window.localStorage.getItem("sandbox.person");
  const known = (id) => people.some((p) => p.id === id);
  const personId = params.get("person_id") || (known(stored) ? stored : "");
  if (params.get("mme")) {
    const ref = params.get("ref");
    const text = params.get("text");
    const start = (id) => {
      choose(id, pageId);
      if (text) $("message").value = text;
      openLink(ref);
    };
    if (personId) start(personId);
    else askWho(start);
  } else {
    choose(personId, pageId);
  }
  window.setInterval(poll, 1000);
  window.setInterval(loadPosts, 3000);
  window.setInterval(loadAds, 5000);
})();
