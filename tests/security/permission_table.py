"""Expected status of every route for every role; see test_permission_matrix.py.

Reviewed by hand: anonymous visitors are sent to the login page (302) or refused by the API (401);
roles without the permission get 403; roles with it get 200, or 404/422 for the missing object or
empty form the POST rows send. Public pages (login, portal, tracking, Open311, health) answer all.
"""

from __future__ import annotations

ROLES = ("anonymous", "csu_agent", "officer", "manager", "analyst", "admin")

EXPECTED: dict[str, str] = {
    'GET /': '302 302 302 302 302 302',
    'GET /admin': '302 403 403 403 403 200',
    'GET /admin/groups': '302 403 403 403 403 200',
    'POST /admin/groups': '302 403 403 403 403 422',
    'GET /admin/groups/<int:group_id>': '302 403 403 403 403 200',
    'POST /admin/groups/<int:group_id>': '302 403 403 403 403 404',
    'POST /admin/groups/<int:group_id>/members': '302 403 403 403 403 404',
    'GET /admin/lanes': '302 403 403 403 403 200',
    'POST /admin/lanes': '302 403 403 403 403 422',
    'POST /admin/lanes/<int:mapping_id>/delete': '302 403 403 403 403 404',
    'GET /admin/outbox': '302 200 403 403 403 200',  # the CSU follows up undeliverable mail
    'POST /admin/outbox/<int:outbox_id>/retry': '302 404 403 403 403 404',
    'GET /admin/processes': '302 403 403 403 403 200',
    'GET /admin/processes/<key>/migrate': '302 403 403 403 403 200',
    'POST /admin/processes/<key>/migrate': '302 403 403 403 403 404',
    'POST /admin/processes/<key>/versions/<int:number>/retire': '302 403 403 403 403 404',
    'GET /admin/users': '302 403 403 403 403 200',
    'POST /admin/users': '302 403 403 403 403 422',
    'GET /admin/users/<int:user_id>': '302 403 403 403 403 200',
    'POST /admin/users/<int:user_id>': '302 403 403 403 403 404',
    'POST /admin/users/<int:user_id>/memberships': '302 403 403 403 403 404',
    'POST /admin/users/<int:user_id>/memberships/<int:group_id>/delete': '302 403 403 403 403 404',
    'GET /api/cases': '401 200 200 200 200 200',
    'POST /api/cases': '401 422 422 422 422 422',
    'GET /api/cases/<int(min=1, max=2147483647):case_id>': '401 200 200 200 200 200',
    # Messages and signals: a body that is not a JSON object is 422 before anything; then the case and who may
    # deliver (404/403), then the name and data. Who may deliver: tests/webui/test_messages.py.
    'POST /api/cases/<int(min=1, max=2147483647):case_id>/messages': '401 422 422 422 422 422',
    'POST /api/cases/<int(min=1, max=2147483647):case_id>/signals': '401 422 422 422 422 422',
    'POST /api/messages': '401 422 422 422 422 422',
    'POST /api/signals': '401 422 422 422 422 422',
    'GET /api/openapi.json': '200 200 200 200 200 200',
    'GET /api/processes': '401 200 200 200 200 200',
    'POST /api/processes': '401 422 422 422 422 422',
    'GET /api/tasks': '401 200 200 200 200 200',
    'POST /api/tasks/<int(min=1, max=2147483647):task_id>/claim': '401 404 404 404 404 404',
    'POST /api/tasks/<int(min=1, max=2147483647):task_id>/complete': '401 422 422 422 422 422',
    'POST /api/tasks/<int(min=1, max=2147483647):task_id>/unclaim': '401 404 404 404 404 404',
    'GET /attachments/<int:attachment_id>': '302 404 404 404 404 404',
    'GET /cases': '302 200 200 200 200 200',
    'GET /cases/<int:case_id>': '302 200 200 200 200 200',
    'POST /cases/<int:case_id>/deliver': '302 404 404 404 404 404',  # the case is looked up (and who may deliver) first
    'GET /cases/<int:case_id>/diagram.bpmn': '302 200 200 200 200 200',
    'POST /cases/<int:case_id>/timers/retry': '302 403 403 403 403 404',
    'GET /citizens/<int:case_id>': '302 200 403 403 403 200',
    'POST /citizens/<int:case_id>/duplicate': '302 404 403 403 403 404',
    'GET /dashboard': '302 403 403 200 200 200',
    'GET /dashboard/export.<fmt>': '302 403 403 200 200 200',
    'GET /dashboard/heatmap/<key>': '302 403 403 200 200 200',
    'GET /dashboard/heatmap/<key>/<int:version>': '302 403 403 200 200 200',
    'GET /healthz': '200 200 200 200 200 200',
    'GET /inbox': '302 200 200 200 200 200',
    'POST /inbox/reassign': '302 422 422 422 422 422',
    'POST /inbox/tasks/<int:task_id>/assign': '302 422 422 422 422 422',
    'POST /inbox/tasks/<int:task_id>/claim': '302 404 404 404 404 404',
    'POST /inbox/tasks/<int:task_id>/unclaim': '302 404 404 404 404 404',
    'GET /intake': '302 200 403 403 403 200',
    'POST /intake': '302 422 403 403 403 422',
    'GET /intake/cases/<int:case_id>': '302 200 403 403 403 200',
    'GET /intake/kb': '302 200 403 403 403 200',
    'POST /intake/kb/<int:article_id>/not-helpful': '302 404 403 403 403 404',
    # Administrators and analysts write the knowledge base; the CSU reads it on the intake page (/intake/kb).
    'GET /knowledge': '302 403 403 403 200 200',
    'POST /knowledge': '302 403 403 403 422 422',
    'GET /knowledge/new': '302 403 403 403 200 200',
    'GET /knowledge/<int:article_id>': '302 403 403 403 200 200',
    'POST /knowledge/<int:article_id>': '302 403 403 403 404 404',
    'POST /knowledge/<int:article_id>/restore': '302 403 403 403 404 404',
    'POST /knowledge/<int:article_id>/retire': '302 403 403 403 404 404',
    'GET /login': '200 200 200 200 200 200',
    'POST /login': '401 401 401 401 401 401',  # an empty form is a wrong password
    'POST /login/sso': '404 404 404 404 404 404',  # single sign-on is not configured here (tests/webui/test_sso.py)
    'GET /login/sso/callback': '404 404 404 404 404 404',
    'POST /logout': '302 302 302 302 302 302',
    'GET /manager': '302 403 403 200 403 200',
    'GET /metrics': '200 200 200 200 200 200',  # loopback client; others need the token
    'GET /modeler': '302 403 403 403 200 200',
    'POST /modeler': '302 403 403 403 422 422',
    'GET /modeler/<key>': '302 403 403 403 200 200',
    'GET /modeler/<key>/deploy': '302 403 403 403 200 200',
    'POST /modeler/<key>/deploy': '302 403 403 403 403 404',
    'POST /modeler/<key>/deploy-request': '302 403 403 403 404 404',  # analysts ask, admins may too
    'GET /start': '302 200 200 200 200 200',
    'GET /start/<key>': '302 200 403 403 403 200',  # start_groups of the process decide
    'POST /start/<key>': '302 404 404 404 404 404',
    'POST /modeler/<key>/discard': '302 403 403 403 404 404',
    'GET /modeler/<key>/download': '302 403 403 403 200 200',
    'POST /modeler/<key>/draft': '302 403 403 403 404 404',
    'POST /modeler/<key>/files': '302 403 403 403 404 404',
    'GET /modeler/<key>/files/<path:name>': '302 403 403 403 200 200',
    'POST /modeler/<key>/files/<path:name>': '302 403 403 403 400 400',
    'POST /modeler/<key>/files/<path:name>/delete': '302 403 403 403 404 404',
    'GET /modeler/<key>/test': '302 403 403 403 200 200',
    'POST /modeler/<key>/test': '302 403 403 403 404 404',
    'POST /modeler/<key>/upload': '302 403 403 403 404 404',
    'GET /modeler/<key>/validate': '302 403 403 403 200 200',
    'GET /modeler/<key>/versions/<int:number>/download': '302 403 403 403 200 200',
    'GET /open311/v2/requests.<fmt>': '200 200 200 200 200 200',
    'POST /open311/v2/requests.<fmt>': '403 403 403 403 403 403',  # needs an Open311 app key (api_key), not a login
    'GET /open311/v2/requests/<service_request_id>.<fmt>': '200 200 200 200 200 200',
    'GET /open311/v2/services.<fmt>': '200 200 200 200 200 200',
    'GET /open311/v2/services/<service_code>.<fmt>': '200 200 200 200 200 200',
    'GET /portal': '200 200 200 200 200 200',
    'POST /portal': '422 422 422 422 422 422',
    'GET /profile': '302 200 200 200 200 200',
    'POST /profile': '302 422 422 422 422 422',
    'GET /static/<path:filename>': '200 200 200 200 200 200',
    'GET /tasks/<int:task_id>': '302 403 200 200 403 200',
    'POST /tasks/<int:task_id>': '302 404 404 404 404 404',
    'GET /track/<token>': '200 200 200 200 200 200',
    'GET /track/<token>/attachments/<int:attachment_id>': '404 404 404 404 404 404',
    'POST /track/<token>/survey': '404 404 404 404 404 404',
    'POST /track/<token>/reply': '404 404 404 404 404 404',  # public; the case must wait for the citizen
}
