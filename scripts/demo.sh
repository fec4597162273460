#!/bin/bash
# `make demo`: not written yet.
echo "demo: not written yet"
