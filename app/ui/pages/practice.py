"""Practice: reviews due first, then a quiz on a chosen topic or on the next one; each answer is graded at once
with the passage it comes from, scheduled for review (FSRS), and counts toward mastery per tier and topic."""

import streamlit as st

from app.ui import practice_state

st.title("Practice")
practice = practice_state.practice()
if practice is None:
    st.stop()
who = practice_state.profile()
graph = practice.graph
progress = practice.progress(who, known=st.session_state.get("known", []))
st.caption(f"Profile **{who}** · Reviews: {progress['due_now']} due now · {progress['due_today']} due today · "
           f"{progress['scheduled']} scheduled")

left, right = st.columns([3, 2])
with right:
    st.subheader("Progress")
    for tier in progress["tiers"]:
        st.progress(min(1.0, tier["mastery"]), text=f"{tier['title']}: {tier['mastery']:.0%}")
    with st.expander("Per topic"):
        for t in progress["topics"]:
            mark = " ✅" if t["mastered"] else ""
            st.progress(min(1.0, t["mastery"]), text=f"{t['title']}: {t['mastery']:.0%} "
                                                      f"({t['answered']}/{t['items']} answered){mark}")
    st.caption(f"A topic is mastered at {progress['mastered_threshold']:.0%} (docs/practice.md).")

with left:
    nxt = progress["next"]
    choices = ["next", *graph.topics()]
    topic = st.selectbox("Quiz on", choices, key="quiz_topic",
                         format_func=lambda t: f"Due reviews, then the next topic for you ({graph.title(nxt)})"
                         if t == "next" and nxt else "Due reviews, then the next topic" if t == "next"
                         else graph.title(t))
    session = st.session_state.setdefault("quiz", {"ids": [], "pos": 0, "result": None})
    if st.button("Start quiz", type="primary"):
        items = practice.next_items(who, None if topic == "next" else topic, 10,
                                    known=st.session_state.get("known", []))
        session.update(ids=[i.id for i in items], pos=0, result=None)
        if not items:
            st.info("Nothing to practise here: every item is answered and none is due.")
    ids, pos = session["ids"], session["pos"]
    if ids and pos < len(ids):
        item = practice.bank.by_id.get(ids[pos])
        if item is None:
            session.update(ids=[], pos=0, result=None)
            st.rerun()
        st.markdown(f"**Question {pos + 1} of {len(ids)}** · {graph.title(item.topic)} · {item.kind}")
        st.caption(f"item {item.id} · difficulty {item.difficulty}")
        st.markdown(item.question)
        for letter, option in zip("ABCD", item.options, strict=False):
            st.markdown(f"**{letter})** `{option}`" if item.kind in ("command", "practice") else
                        f"**{letter})** {option}")
        result = session["result"]
        if result is None:
            hint = "the letters in order, e.g. BDAC" if item.kind == "order" else \
                "a letter" if item.options else "a few words"
            with st.form(f"answer-{pos}-{item.id}"):
                given = st.text_input(f"Your answer ({hint})", key=f"given-{pos}-{item.id}")
                if st.form_submit_button("Check") and given.strip():
                    session["result"] = practice.answer(who, item.id, given, channel="ui")
                    st.rerun()
        else:
            if result["correct"]:
                days = result["interval_days"]
                when = f"{max(1, round(days * 1440))} min" if days < 1 / 24 else f"{round(days * 24)} h" \
                    if days < 1 else f"{round(days)} days"
                st.success(f"Right. Next review in {when}.")
            else:
                st.error(f"Not quite: the answer is **{result['expected']}**.")
            st.info(f"Source: {result['source']} (`{result['chunk_id']}`)\n\n> {result['evidence']}")
            st.caption(f"{graph.title(item.topic)} mastery now {result['mastery']:.0%}")
            if st.button("Next question"):
                session.update(pos=pos + 1, result=None)
                st.rerun()
    elif ids:
        st.success("Session done. The Learning path page shows your mastery on the graph.")
