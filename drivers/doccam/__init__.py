"""The document camera (高拍仪): capture, page detection, deskew, crop, JPEG; a simulator from image files."""
