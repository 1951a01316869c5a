package dev.facerec.api.http;

import dev.facerec.config.AppConfig;
import dev.facerec.pipeline.InferenceClient;
import dev.facerec.security.Security;
import dev.facerec.store.GalleryStore;

/**
 * What the HTTP and WebSocket handlers share on one node: the store, the inference client (one bounded
 * queue per node), the active recognizer and its default thresholds (1:1 for verify and consistency; 1:N for
 * identify and the duplicate check), the rules that pick a request's threshold, each collection's subject count
 * (which sizes the 1:N threshold), and the node's security state.
 */
public record ApiContext(
    AppConfig config,
    GalleryStore store,
    InferenceClient inference,
    String profile,
    String modelId,
    int dimension,
    double threshold,
    String thresholdSource,
    double identifyThreshold,
    String identifyThresholdSource,
    dev.facerec.model.ThresholdPolicy thresholds,
    dev.facerec.metrics.RecognitionMetrics metrics,
    Security security,
    dev.facerec.recognition.Recognition recognition,
    dev.facerec.index.IndexClient index,
    dev.facerec.cluster.Membership membership,
    dev.facerec.cluster.NodeState state,
    dev.facerec.recognition.ThresholdRules rules,
    dev.facerec.recognition.GallerySizes gallerySizes) {}
