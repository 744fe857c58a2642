//! Steps 5–8: find the reposts of a story.
