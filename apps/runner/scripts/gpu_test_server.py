"""A small OpenAI-compatible model server that really uses a GPU, for linkboard's serve-path check.

It allocates --memory-gib of GPU memory with PyTorch, runs a matrix product per request so the GPU
shows utilisation, and answers with the first label of the demonstrations in the lcl answer form.
It is a stand-in for vLLM, not a model: it exists to show that the runner launches a server on the
GPUs it picked (CUDA_VISIBLE_DEVICES), health-checks it, drives it, records GPU telemetry and stops it.
"""
import argparse
import json
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--model", default="gpu-test")
parser.add_argument("--memory-gib", type=float, default=2.0)
args = parser.parse_args()

device = torch.device("cuda:0")
ballast = torch.empty(int(args.memory_gib * (1 << 30)) // 4, dtype=torch.float32, device=device)
weights = torch.randn(4096, 4096, device=device)


class Handler(BaseHTTPRequestHandler):
    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_):
        pass

    def do_GET(self):
        if self.path.rstrip("/") in ("/v1/models", "/health"):
            self._send(200, {"object": "list", "data": [{"id": args.model, "object": "model"}]})
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["content-length"])))
        for _ in range(20):
            torch.matmul(weights, weights)
        torch.cuda.synchronize()
        texts = [m["content"] for m in request["messages"] if m["role"] == "assistant" and isinstance(m["content"], str)]
        labels = [l for t in texts for l in re.findall(r'"([^"]+)"', t)] or ["unknown"]
        content = f'there is "{labels[0]}" in the image.'
        self._send(200, {"id": "x", "object": "chat.completion", "model": args.model,
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]})


print(f"serving {args.model} on {torch.cuda.get_device_name(0)}, {ballast.numel() * 4 >> 20} MiB held", flush=True)
ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
