"""From article files to cleaned documents: decoding, repairs, normalization, Traditional
to Simplified, segmentation."""
