"""Roadmap Tutor in the browser: `streamlit run app/ui/main.py` (what `make run` starts)."""

import streamlit as st

st.set_page_config(page_title="Roadmap Tutor", page_icon="🧭", layout="wide")

pages = [
    st.Page("pages/chat.py", title="Chat", icon=":material/chat:", default=True),
    st.Page("pages/learning_path.py", title="Learning path", icon=":material/route:"),
    st.Page("pages/library.py", title="Library", icon=":material/library_books:"),
    st.Page("pages/labs.py", title="Labs", icon=":material/build:"),
    st.Page("pages/practice.py", title="Practice", icon=":material/school:"),
    st.Page("pages/usage.py", title="Usage", icon=":material/monitoring:"),
    st.Page("pages/evals.py", title="Evals", icon=":material/science:"),
]
st.navigation(pages).run()
