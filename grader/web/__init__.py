"""`grader serve`: the instructor's workbench, a local web app over the gradebook.

A thin layer over the library: the pages read the gradebook (grader.classroom) and render with
grader.report; the corrections are the gradebook's own records (overrides as `grader override`
writes them, comments). Safe by default: loopback only unless told otherwise, then a token;
CSRF on every change; a strict Content-Security-Policy; nothing outside the served folders.

    classes   the classes served and what is read of them
    security  the guard (host, token, CSRF, headers) and safe file paths
    state     the running workbench: classes, default user, a lock per class
    render    the jinja environment (the reports' settings and stylesheet)
    pages     GET handlers        actions  POST handlers (corrections)
    queue     the review queue and resolving its items
    insights  item analysis       releasing  feedback release (the LMS zip) and its preview
    app       routes and errors   server   bind, print the URL, run uvicorn
"""
