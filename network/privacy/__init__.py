"""Privacy: members export and erase their data; summaries and notes do not outlive their use."""
