"""Reads the history API with Google's discovery-based Python client (googleapiclient), built from Dialogflow's
discovery document with its rootUrl pointed at the local stack. Takes one JSON argument
{"discovery", "url", "conversation", "missing", "secret"} and prints one JSON object of what it read."""
import json
import sys

import httplib2
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError

args = json.loads(sys.argv[1])
with open(args["discovery"], encoding="utf-8") as file:
    document = json.load(file)
document["rootUrl"] = args["url"] + "/"  # the discovery document's own endpoint, moved to the stack
http = httplib2.Http(timeout=20)
service = build_from_document(json.dumps(document), http=http)
conversations = service.projects().locations().conversations()
conversation = args["conversation"]
out = {}


def error_of(call):
    try:
        call.execute()
        return None
    except HttpError as error:
        return {"status": error.resp.status, "body": json.loads(error.content.decode("utf-8"))}


def raw(call):
    """The bytes the client's request receives, to see how the answer is written."""
    response, content = http.request(call.uri, method=call.method)
    return {"status": response.status, "text": content.decode("utf-8"), "uri": call.uri}


out["partial"] = conversations.messages().list(parent=conversation, pageSize=2, fields="messages(content,createTime),nextPageToken").execute()
out["partialWithoutToken"] = conversations.messages().list(parent=conversation, pageSize=2, fields="messages/content").execute()
out["invalidFields"] = error_of(conversations.messages().list(parent=conversation, fields="messages(content"))
out["get"] = conversations.get(name=conversation).execute()
out["pretty"] = raw(conversations.get(name=conversation, prettyPrint=True))
out["compact"] = raw(conversations.get(name=conversation, prettyPrint=False))
with_token = conversations.get(name=conversation, oauth_token=args["secret"], access_token=args["secret"], quotaUser="q")
out["withTokensUri"] = with_token.uri
out["withTokens"] = with_token.execute()
out["v1Error"] = error_of(conversations.get(name=args["missing"], x__xgafv="1"))
out["v2Error"] = error_of(conversations.get(name=args["missing"]))
legacy = service.projects().conversations()  # the spelling without /locations/
out["legacyMessages"] = legacy.messages().list(parent=args["legacyConversation"], fields="messages/name").execute()

# participants.list a page at a time, through the client's own list_next, and participants.get in both spellings.
participants = conversations.participants()
pages = []
request = participants.list(parent=conversation, pageSize=1)
while request is not None:
    page = request.execute()
    pages.append(page)
    request = participants.list_next(request, page)
out["participantPages"] = pages
out["participantGet"] = legacy.participants().get(name=args["legacyConversation"] + "/participants/P1").execute()
out["participantRoleOnly"] = participants.get(name=conversation + "/participants/P2", fields="role").execute()
out["participantMissing"] = error_of(participants.get(name=conversation + "/participants/P9"))

batch = service.new_batch_http_request()
batch.add(conversations.get(name=conversation))
try:
    batch.execute()
    out["batch"] = None
except HttpError as error:
    out["batch"] = {"status": error.resp.status, "uri": error.uri, "body": json.loads(error.content.decode("utf-8"))}

print(json.dumps(out))
