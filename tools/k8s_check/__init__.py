"""``make k8s-check``: render every overlay under deploy/k8s/overlays offline, validate each
object against its schema (Kubernetes, Strimzi's KafkaTopic, KEDA's ScaledObject and
TriggerAuthentication), then check the policies Tousu's manifests must keep, with the
expected regimes, channels, topics and consumer groups taken from the code.
"""
