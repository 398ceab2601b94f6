"""Evals: run the eval suite for chosen prompt versions and compare past runs."""

import streamlit as st

st.title("Evals")
st.info("The eval suite is being wired in.")
