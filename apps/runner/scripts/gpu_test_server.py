"""A small OpenAI-compatible model server that really uses a GPU, for linkboard's serve-path check.

It allocates --memory-gib of GPU memory with PyTorch, runs a matrix product per request so the GPU
shows utilisation, and answers with the first label of the demonstrations in the lcl answer form.
It is a stand-in for vLLM, not a model: it exists to show that the runner launches a server on the
GPUs it picked (CUDA_VISIBLE_DEVICES), health-checks it, drives it, records GPU telemetry and stops it.
It takes vLLM's --limit-mm-per-prompt (either syntax) and --max-model-len, so that an engine profile
can launch it, and refuses a request with more images than the limit as vLLM does.
"""
import argparse
import base64
import json
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--model", default="gpu-test")
parser.add_argument("--memory-gib", type=float, default=2.0)
parser.add_argument("--limit-mm-per-prompt", default=None)
parser.add_argument("--max-model-len", type=int, default=None)
args = parser.parse_args()


def image_limit(value):
    """vLLM's two spellings: '{"image": 17}' (0.8.5 on) and 'image=17' (before 0.10)."""
    if value is None:
        return None
    if value.strip().startswith("{"):
        return int(json.loads(value).get("image", 1))
    pairs = dict(item.split("=", 1) for item in value.split(","))
    return int(pairs.get("image", 1))


max_images = image_limit(args.limit_mm_per_prompt)

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
        elif self.path.rstrip("/") == "/version":
            self._send(200, {"version": "gpu_test_server (a stand-in, not vLLM)"})
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["content-length"])))
        images = [p["image_url"]["url"] for m in request["messages"] if isinstance(m["content"], list)
                  for p in m["content"] if p.get("type") == "image_url"]
        if max_images is not None and len(images) > max_images:
            self._send(400, {"error": {"message": f"At most {max_images} image(s) may be provided in one request.",
                                       "type": "BadRequestError", "code": 400}})
            return
        # Each image must arrive whole: a data URL whose bytes start as a PNG or JPEG does.
        decoded = [base64.b64decode(url.split(",", 1)[1]) for url in images if url.startswith("data:image/")]
        whole = sum(1 for b in decoded if b.startswith(b"\x89PNG") or b.startswith(b"\xff\xd8"))
        for _ in range(20):
            torch.matmul(weights, weights)
        torch.cuda.synchronize()
        texts = [m["content"] for m in request["messages"] if m["role"] == "assistant" and isinstance(m["content"], str)]
        labels = [l for t in texts for l in re.findall(r'"([^"]+)"', t)] or ["unknown"]
        content = f'there is "{labels[0]}" in the image.'
        self._send(200, {"id": "x", "object": "chat.completion", "model": args.model,
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                         "linkboard_images": {"received": len(images), "decoded": whole}})


print(f"serving {args.model} on {torch.cuda.get_device_name(0)}, {ballast.numel() * 4 >> 20} MiB held, "
      f"images per prompt: {max_images or 'any'}, max model len: {args.max_model_len or 'unset'}", flush=True)
ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
