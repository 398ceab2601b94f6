"""Chat: streamed answers with checked sources; extractive evidence first while a model works."""

import streamlit as st

from app.core.feedback import MAX_COMMENT_CHARS, record_feedback
from app.core.prompts import PromptRegistry
from app.errors import TutorError
from app.ui import practice_state, state
from app.ui.render import render_answer

st.title("Roadmap Tutor")
st.caption("Ask about the AI-operations roadmap: Python → Git → Linux → SQL → APIs → Networking → Docker → "
           "Kubernetes → Cloud → Monitoring → ML lifecycle → MLOps → AIOps → LLMOps.")

tutor = state.tutor()
conversation = state.conversation()

with st.sidebar:
    st.subheader("Tutor settings")
    backend = st.selectbox("Backend and model", state.backends(), key="backend",
                           help="extractive is instant; local runs the embedded model on this machine. The "
                                "operator sets this list (TUTOR_SERVE_MODELS).")
    custom = ""
    if state.settings().ui_custom_backend:  # local single-user use only: a spec can point anywhere
        custom = st.text_input("…or a backend spec", key="backend_spec",
                               placeholder="openai:model@http://127.0.0.1:8080/v1")
    refs = [p.ref for p in PromptRegistry().all() if p.spec.name == "answer"]
    prompt = st.selectbox("Prompt version", refs, index=len(refs) - 1, key="prompt")
    top_k = st.slider("Passages (top-k)", 2, 10, state.settings().top_k, key="top_k")
    default_strict = state.settings().strict
    strict = st.toggle("Strict: remove unsupported sentences", key="strict",
                       value=default_strict if default_strict is not None else backend.startswith("local"),
                       help="On: a model's sentences that no retrieved source supports are removed (the evidence "
                            "answers when too little is left). Off: they stay, struck through, with the reason.")
    topics = tutor.graph.topics() if tutor else []
    known = st.multiselect("Topics I already know", topics, key="known",
                           format_func=lambda t: tutor.graph.title(t) if tutor else t,
                           help="Steers “what should I learn next” answers.")
    learner = practice_state.profile()  # topics it mastered on the Practice page count as known too
    if st.button("New conversation"):
        state.reset_conversation()
        st.rerun()



def save_rating(turn_id: str, comment: str = "") -> None:
    """Store the thumbs (and comment) at once: a reload of the page loses the chat, never the feedback."""
    choice = st.session_state.get(f"thumbs-{turn_id}")
    if choice is None or tutor is None:
        return
    try:
        record_feedback(tutor.turns, turn_id, "up" if choice == 1 else "down", comment, channel="ui")
    except TutorError as exc:
        st.session_state[f"feedback-error-{turn_id}"] = str(exc)
    else:
        st.session_state.pop(f"feedback-error-{turn_id}", None)
        st.toast("Thanks: your comment is saved." if comment else "Thanks: your rating is saved.")


def feedback_controls(data: dict) -> None:
    """Thumbs under an answer; after a thumbs-down, a box for what was wrong or missing."""
    turn_id = data.get("turn_id")
    if not turn_id:
        return
    st.feedback("thumbs", key=f"thumbs-{turn_id}", on_change=save_rating, args=(turn_id,))
    if st.session_state.get(f"thumbs-{turn_id}") == 0:
        with st.form(f"comment-form-{turn_id}", border=False, enter_to_submit=False):
            comment = st.text_area("What was wrong or missing? (optional)", key=f"comment-{turn_id}",
                                   max_chars=MAX_COMMENT_CHARS, height=80)
            if st.form_submit_button("Send comment"):
                save_rating(turn_id, comment)
    problem = st.session_state.get(f"feedback-error-{turn_id}")
    if problem:
        st.error(f"Feedback not saved: {problem}")


for message in st.session_state.messages:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(message["content"])
        else:
            render_answer(message["answer"])
            feedback_controls(message["answer"])

question = st.chat_input("Ask a question, e.g. What should I learn before Kubernetes?", disabled=tutor is None)
if question and tutor is not None:
    st.session_state.messages.append({"role": "user", "content": question})
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        live = st.empty()
        streamed: list[str] = []

        def show_evidence(text: str) -> None:
            if not (custom or backend).startswith("extractive"):
                live.markdown(f"{text}\n\n:grey[*Evidence from the sources while the model writes…*]")

        def show_token(piece: str) -> None:
            streamed.append(piece)
            live.markdown("".join(streamed) + "▌")

        try:
            llm = custom.strip() or state.backend_spec(backend)
            answer = tutor.ask(question, conversation=conversation, llm=llm, prompt=prompt,
                               known=[*known, *practice_state.mastered(learner)], top_k=top_k,
                               on_token=show_token, on_evidence=show_evidence, strict=strict)
        except TutorError as exc:
            live.empty()
            st.error(str(exc))
            st.session_state.messages.pop()
        else:
            live.empty()
            data = answer.to_json()
            render_answer(data)
            feedback_controls(data)
            st.session_state.messages.append({"role": "assistant", "content": data["answer"], "answer": data})
            st.session_state.last_answer = data
