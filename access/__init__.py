"""Access: who may do what on a patient's data (the policy) and the grants it reads. Foundation layer: it
imports no feature app."""
