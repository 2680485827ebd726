#!/usr/bin/env python3
"""Prints a ~60 KB chat request shaped like a coding agent's turn, for bench/cpu.sh.

Unlike a prompt of one repeated letter, it has what real agent bodies have: messages quoting
source code (a \\n or \\" every few dozen bytes), tool schemas, numbers, and "model" after
"messages", in the order the OpenAI SDKs send them. Deterministic: the same bytes every run.
"""
import json

code = "\n".join(f'    if (value_{i} != "") {{ out.append("\\t{i}: " + value_{i}); }}  // keep {i}'
                 for i in range(40))
messages = [{"role": "system", "content": "You are a coding agent.\nAnswer with a patch."}]
while len(json.dumps(messages)) < 56000:
    messages.append({"role": "user", "content": "Review this:\n```\n" + code + "\n```"})
    messages.append({"role": "assistant", "content": 'It "works", but:\n- quote\n- escape'})
tools = [{"type": "function",
          "function": {"name": f"tool_{i}", "description": "Reads a file.",
                       "parameters": {"type": "object",
                                      "properties": {"path": {"type": "string"},
                                                     "limit": {"type": "integer", "maximum": 2000}},
                                      "required": ["path"]}}}
         for i in range(8)]
print(json.dumps({"messages": messages, "tools": tools, "temperature": 0.2, "model": "bench/gpt-4o"},
                 separators=(",", ":")))
