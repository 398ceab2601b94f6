"""Usage: latency per stage, tokens and cost over time, from the SQLite turn log."""

import pandas as pd
import streamlit as st

from app.core.feedback import feedback_summary
from app.infra.turnlog import TurnLog
from app.infra.usage import STAGES
from app.ui import state

st.title("Usage")
rows = TurnLog(state.settings().state_database).rows(limit=5000)
if not rows:
    st.info("No answers yet: ask something in Chat and its tokens, cost and latency appear here.")
else:
    df = pd.DataFrame(rows)
    numeric = [c for c in df.columns if c.startswith("latency_") or c in ("input_tokens", "output_tokens", "cost_usd")]
    df[numeric] = df[numeric].apply(pd.to_numeric, errors="coerce")  # stages a turn skipped are NULL
    df["ts"] = pd.to_datetime(df["ts"])
    df["day"] = df["ts"].dt.floor("D")
    df["hour"] = df["ts"].dt.floor("h")
    df["prompt"] = df["prompt_name"].fillna("-") + "@" + df["prompt_version"].fillna(0).astype(int).astype(str)
    answered = df[df["backend"] != "policy"]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Answers", len(df))
    c2.metric("p95 total latency", f"{df['latency_total_ms'].quantile(0.95) / 1000:.2f} s")
    c3.metric("Tokens in / out", f"{int(df['input_tokens'].sum())} / {int(df['output_tokens'].sum())}")
    c4.metric("Cost", f"${df['cost_usd'].sum():.4f}")

    st.subheader("Latency per stage (ms), p50 and p95 per hour")
    stages = list(STAGES)
    cols = [f"latency_{s}_ms" for s in stages]
    p50 = answered.groupby("hour")[cols].quantile(0.5).rename(columns=lambda c: c[8:-3] + " p50")
    p95 = answered.groupby("hour")[cols].quantile(0.95).rename(columns=lambda c: c[8:-3] + " p95")
    st.line_chart(p50.join(p95))
    st.subheader("Tokens per day by backend")
    tokens = df.assign(tokens=df["input_tokens"] + df["output_tokens"]).pivot_table(
        index="day", columns="backend", values="tokens", aggfunc="sum", fill_value=0)
    st.bar_chart(tokens)
    st.subheader("Cost per day (USD) by prompt version")
    st.bar_chart(df.pivot_table(index="day", columns="prompt", values="cost_usd", aggfunc="sum", fill_value=0))
    st.subheader("Feedback by prompt version and backend")
    summary = pd.DataFrame(feedback_summary(rows))
    if summary.empty or not summary["rated"].any():
        st.caption("No ratings yet: learners rate answers with the thumbs under each answer, :up / :down in "
                   "`tutor chat`, or POST /v1/feedback.")
    if not summary.empty:
        st.dataframe(summary.rename(columns={"feedback_rate": "rated share", "down_share": "down share"}),
                     hide_index=True, width="stretch")
    rated = df[df["rating"].notna()]
    if not rated.empty:
        st.caption("Latest ratings (promote one to an eval case on the Evals page)")
        st.dataframe(rated.assign(rating=rated["rating"].map({1: "👍", -1: "👎"}))[
            ["ts", "rating", "feedback_comment", "question", "prompt", "backend", "uid", "promoted_case"]].head(50),
            hide_index=True, width="stretch")
    st.subheader("Latest answers")
    st.dataframe(df[["ts", "question", "backend", "model", "prompt", "input_tokens", "output_tokens", "cost_usd",
                     "latency_total_ms", "flags", "rating"]].head(50), hide_index=True, width="stretch")
