"""The class side: a batch of submissions graded on executors, the gradebook that keeps every
verdict, the roster, the late policy, human overrides, LMS files and the similarity report; and
what the workbench reads of a class: its review queue, item analysis and feedback release."""
