#!/bin/sh
# Roll out the scorer: pull the new image and restart the service.
set -eu
echo "deploying scorer $1"
