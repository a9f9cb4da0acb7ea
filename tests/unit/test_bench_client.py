"""The bench's HTTP client, which reads answers off the socket itself: a kept-alive connection gives
answers of a stated length and chunked ones alike, one after another, and a connection the server
closes is opened again for the next call."""

import json
import socket
import threading

import pytest

from bench.load import Http, Refused

ANSWERS = [
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"n\": 1}   ",
    b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"n\"\r\n4;x=y\r\n: 2}\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\n{\"n\": 3}",
    b"HTTP/1.1 422 Unprocessable Entity\r\nContent-Length: 17\r\n\r\n{\"code\": \"wrong\"}",
]


@pytest.fixture
def server():
    """Answers ANSWERS in turn, each after reading one whole request; returns what it was sent."""
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        answers = iter(ANSWERS)
        while (answer := next(answers, None)) is not None:
            connection, _ = listener.accept()
            with connection:
                while answer is not None:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += connection.recv(4096)
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                    while len(body) < length:
                        body += connection.recv(4096)
                    received.append(head + b"\r\n\r\n" + body)
                    connection.sendall(answer)
                    if b"Connection: close" in answer:
                        break
                    answer = next(answers, None)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    listener.close()


def test_answers_of_a_stated_length_and_chunked_ones_come_in_turn_on_one_connection(server):
    url, received = server
    client = Http(url, "token-1")
    assert client.call("GET", "/api/v1/me", params="a=1") == {"n": 1}
    first = client.connection
    assert client.call("POST", "/api/v1/loans", {"amount_yuan": "1000"}, expect=201, key=True) == {"n": 2}
    assert client.connection is first
    assert client.call("GET", "/api/v1/me") == {"n": 3}
    assert client.connection is None  # the server said it closes
    with pytest.raises(Refused, match="422"):
        client.call("GET", "/api/v1/me")
    assert received[0].startswith(b"GET /api/v1/me?a=1 HTTP/1.1\r\n")
    assert b"Authorization: Bearer token-1\r\n" in received[0]
    head, _, body = received[1].partition(b"\r\n\r\n")
    assert json.loads(body) == {"amount_yuan": "1000"} and b"Idempotency-Key: " in head
