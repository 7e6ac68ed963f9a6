"""Online submissions: the upload check and what it gives back"""
