"""examples/deploy/app.py as an ASGI app, for one uvicorn per worker (docs/howto/scale.rst):

    cd examples/deploy
    DOMSYNC_WORKER_ID=w1 uvicorn asgi_app:app --port 8001 &
    DOMSYNC_WORKER_ID=w2 uvicorn asgi_app:app --port 8002 &
    python -m domsync proxy-config nginx --workers 2 --port 8001

The server reads its worker id from DOMSYNC_WORKER_ID when it is made.
"""

from app import handler

from domsync import DomsyncServer

app = DomsyncServer(handler, title="domsync on several workers").asgi()
