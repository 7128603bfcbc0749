# Replaces the terraform block of Chalice's export, which pins Terraform < 1.4 and the AWS
# provider < 5 without a source address.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.47.0, < 6.0.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      app   = "orders-platform"
      stage = var.stage
    }
  }
}
