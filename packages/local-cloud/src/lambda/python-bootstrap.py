"""Bootstrap of one local Lambda execution environment for a Python runtime.

Started by execution-environment.ts with the function's environment (LAMBDA_TASK_ROOT,
_HANDLER, AWS_LAMBDA_*) and Node's IPC channel on NODE_CHANNEL_FD. It plays the part of
Lambda's Python runtime (awslambdaric): imports the handler module once (INIT), then
runs one invocation at a time with the event and a LambdaContext as Lambda gives them,
and reports errors as Lambda formats them (errorMessage, errorType, requestId,
stackTrace), logging "[ERROR] ..." with the traceback.

It speaks the protocol of worker.mjs over the channel, one JSON message a line:
  child -> parent: {type:'ready'} | {type:'init-error', error} | {type:'log', text}
                   {type:'result', requestId, payload, durationMs, maxMemoryMb}
                   {type:'error', requestId, error, durationMs, maxMemoryMb, fatal}
  parent -> child: {type:'invoke', requestId, event (JSON text), deadlineMs, traceId, invokedFunctionArn}
What the function prints (stdout, stderr, logging) travels on the same channel as 'log'
messages, so it is shown before the invocation's END and REPORT lines.
"""

import decimal
import importlib
import json
import logging
import os
import resource
import socket
import sys
import threading
import time
import traceback

_channel = socket.socket(fileno=int(os.environ.pop("NODE_CHANNEL_FD")))
os.environ.pop("NODE_CHANNEL_SERIALIZATION_MODE", None)
os.set_inheritable(_channel.fileno(), False)
_send_lock = threading.Lock()


def send(message):
    data = (json.dumps(message) + "\n").encode("utf-8")
    with _send_lock:
        _channel.sendall(data)


def max_memory_mb():
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(1, round(usage / (1024 * 1024) if sys.platform == "darwin" else usage / 1024))


class ChannelWriter:
    """sys.stdout / sys.stderr: every write goes to the parent as a 'log' message."""

    def __init__(self, name):
        self.name = name
        self.encoding = "utf-8"

    def write(self, text):
        if text:
            send({"type": "log", "text": str(text)})
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False


sys.stdout = ChannelWriter("<stdout>")
sys.stderr = ChannelWriter("<stderr>")

current_request_id = None


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = current_request_id
        return True


class JsonFormatter(logging.Formatter):
    """The JSON log format (LoggingConfig LogFormat JSON) of Lambda's Python runtime."""

    def format(self, record):
        entry = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": current_request_id,
        }
        if record.exc_info:
            entry["errorType"] = record.exc_info[0].__name__
            entry["stackTrace"] = traceback.format_tb(record.exc_info[2])
        return json.dumps(entry, default=str)


def install_logging():
    """The root logger's handler, as Lambda's runtime installs it (level left at Python's default)."""
    handler = logging.StreamHandler(sys.stdout)
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
        handler.setFormatter(JsonFormatter())
    else:
        formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S")
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    logging.getLogger().addHandler(handler)


class FaultError(Exception):
    """A failure of the runtime itself (Runtime.*), as awslambdaric reports them."""

    def __init__(self, error_type, message, stack_trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


def error_result(error, tb=None):
    if isinstance(error, FaultError):
        return {"errorMessage": error.message, "errorType": error.error_type, "requestId": current_request_id or "", "stackTrace": error.stack_trace}
    # The function's frames only: not this file's, not importlib's.
    frames = [f for f in (traceback.extract_tb(tb) if tb is not None else []) if f.filename != __file__ and "importlib" not in f.filename]
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": current_request_id or "",
        "stackTrace": traceback.format_list(frames),
    }


def log_error(result):
    lines = ["[ERROR] %s: %s" % (result["errorType"], result["errorMessage"]), "Traceback (most recent call last):"]
    for element in result.get("stackTrace") or []:
        lines.extend(element.splitlines())
    print("\n".join(lines))


def load_handler(spec):
    """Imports the handler as Lambda's runtime does: `dir/module.function` or `package.module.function`."""
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as e:
        raise FaultError("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (spec, e))
    module_path = module_name.replace("/", ".")
    if module_path.split(".")[0] in sys.builtin_module_names:
        raise FaultError("Runtime.BuiltInModuleConflict", "Cannot use built-in module %s as a handler module" % module_name)
    try:
        module = importlib.import_module(module_path)
    except ImportError as e:
        raise FaultError("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, e), trace)
    handler = getattr(module, function_name, None)
    if handler is None:
        # Lambda starts the environment, and fails every invocation with this.
        return FaultError("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_name))
    return handler


class LambdaContext:
    def __init__(self, message):
        env = os.environ
        self.aws_request_id = message["requestId"]
        self.invoked_function_arn = message.get("invokedFunctionArn")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = int(message["deadlineMs"])

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def __repr__(self):
        return "LambdaContext([aws_request_id=%s,function_name=%s])" % (self.aws_request_id, self.function_name)


class Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return super().default(o)


def invoke(handler, message):
    global current_request_id
    current_request_id = message["requestId"]
    os.environ["_X_AMZN_TRACE_ID"] = message.get("traceId") or ""
    started = time.perf_counter()
    try:
        if isinstance(handler, FaultError):
            raise handler
        result = handler(json.loads(message["event"]), LambdaContext(message))
        try:
            payload = json.dumps(result, cls=Encoder)
        except (TypeError, ValueError) as e:
            raise FaultError("Runtime.MarshalError", "Unable to marshal response: %s" % e)
        reply = {"type": "result", "payload": payload}
    except Exception as e:  # what the handler raised: the invocation's error, the environment lives on
        tb = e.__traceback__.tb_next if e.__traceback__ is not None else None  # without this file's frame
        result = error_result(e, tb)
        log_error(result)
        reply = {"type": "error", "error": result, "fatal": False}
    reply.update({"requestId": message["requestId"], "durationMs": (time.perf_counter() - started) * 1000, "maxMemoryMb": max_memory_mb()})
    send(reply)


def main():
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    sys.path.insert(0, task_root)
    install_logging()
    try:
        handler = load_handler(os.environ.get("_HANDLER", "lambda_function.lambda_handler"))
    except Exception as e:
        result = error_result(e, e.__traceback__)
        log_error(result)
        send({"type": "init-error", "error": result, "maxMemoryMb": max_memory_mb()})
        return 1
    send({"type": "ready", "maxMemoryMb": max_memory_mb()})
    for line in _channel.makefile("rb"):
        message = json.loads(line)
        if message.get("type") == "invoke":
            invoke(handler, message)
    return 0  # the channel closed: the parent is gone, and so is this environment


if __name__ == "__main__":
    sys.exit(main())
