"""Roadmap Tutor in the browser: `streamlit run app/ui/main.py` (what `make run` starts)."""

import streamlit as st

st.set_page_config(page_title="Roadmap Tutor", page_icon="🧭", layout="wide")

pages = [
    st.Page("pages/chat.py", title="Chat", icon="💬", default=True),
    st.Page("pages/learning_path.py", title="Learning path", icon="🗺️"),
    st.Page("pages/library.py", title="Library", icon="📚"),
    st.Page("pages/usage.py", title="Usage", icon="📈"),
    st.Page("pages/evals.py", title="Evals", icon="🧪"),
]
st.navigation(pages).run()
